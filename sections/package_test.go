package sections

import (
	"context"
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/gmr-go/gmr/internal/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func collectPackage(t *testing.T, p Package) *PackageReport {
	t.Helper()
	data, err := p.Collect(context.Background())
	require.NoError(t, err)
	rep, ok := data.(*PackageReport)
	require.True(t, ok, "Collect returned %T", data)
	return rep
}

func TestPackageName(t *testing.T) {
	assert.Equal(t, "package", Package{}.Name())
}

func TestPackageCollect(t *testing.T) {
	rep := collectPackage(t, Package{Service: "shop", Version: "1.2.3"})

	assert.Equal(t, "shop", rep.Service)
	assert.Equal(t, "1.2.3", rep.Version)
	assert.Equal(t, runtime.Version(), rep.GoVersion)
	assert.Equal(t, runtime.GOOS, rep.GOOS)
	assert.Equal(t, runtime.GOARCH, rep.GOARCH)
	assert.Empty(t, rep.Note)

	if bi, ok := debug.ReadBuildInfo(); ok {
		assert.Equal(t, bi.Path, rep.Path)
		assert.Equal(t, bi.Main.Path, rep.Module)
		assert.Equal(t, bi.Main.Version, rep.ModuleVersion)
		assert.Len(t, rep.BuildSettings, len(bi.Settings))
	}
	assert.NotNil(t, rep.BuildSettings, "build_settings must be a list in JSON, not null")

	b, err := json.Marshal(rep)
	require.NoError(t, err)
	for _, key := range []string{`"service":`, `"go_version":`, `"build_settings":[`} {
		assert.Contains(t, string(b), key)
	}
	for _, key := range []string{`"host":`, `"pid":`, `"start_time`, `"uptime":`} {
		assert.NotContains(t, string(b), key, "the process's identity is the header's")
	}
}

func TestPackageConcurrentCollect(t *testing.T) {
	done := make(chan *PackageReport)
	for range 4 {
		go func() {
			data, _ := Package{}.Collect(context.Background())
			done <- data.(*PackageReport)
		}()
	}
	for range 4 {
		assert.Equal(t, runtime.Version(), (<-done).GoVersion)
	}
}

func TestPackageBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{
		Path: "example.com/shop/cmd/api",
		Main: debug.Module{Path: "example.com/shop", Version: "v1.4.2"},
		Settings: []debug.BuildSetting{
			{Key: "-ldflags", Value: "-s -X main.version=1.4.2 -X main.apiToken=tok-123456"},
			{Key: "-tags", Value: "netgo"},
			{Key: "CGO_ENABLED", Value: "0"},
			{Key: "DEPLOY_PASSWORD", Value: "hunter2"},
			{Key: "GOPROXY", Value: "https://user:s3cret@proxy.example.com"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef"},
			{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	var rep PackageReport
	Package{}.addBuildInfo(&rep, bi, &redact.Redactor{})
	assert.Equal(t, "example.com/shop/cmd/api", rep.Path)
	assert.Equal(t, "example.com/shop", rep.Module)
	assert.Equal(t, "v1.4.2", rep.ModuleVersion)
	assert.Equal(t, &VCS{System: "git", Revision: "0123456789abcdef", Time: "2026-01-02T03:04:05Z", Modified: true}, rep.VCS)
	assert.Equal(t, []BuildSetting{
		{Key: "-ldflags", Value: "-s -X main.version=1.4.2 -X main.apiToken=***"},
		{Key: "-tags", Value: "netgo"},
		{Key: "CGO_ENABLED", Value: "0"},
		{Key: "DEPLOY_PASSWORD", Value: "***"},
		{Key: "GOPROXY", Value: "https://user:***@proxy.example.com"},
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "0123456789abcdef"},
		{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
		{Key: "vcs.modified", Value: "true"},
	}, rep.BuildSettings)
}

func TestPackageBuildInfoNoVCS(t *testing.T) {
	var rep PackageReport
	Package{}.addBuildInfo(&rep, &debug.BuildInfo{Path: "command-line-arguments"}, &redact.Redactor{})
	assert.Nil(t, rep.VCS)
	assert.Equal(t, "command-line-arguments", rep.Path)
}

func TestPackageWriteText(t *testing.T) {
	rep := &PackageReport{
		Service:             "shop\x1b[2J",
		Version:             "1.2.3",
		Path:                "example.com/shop/cmd/api",
		Module:              "example.com/shop",
		ModuleVersion:       "(devel)",
		GoVersion:           "go1.26.0",
		GOOS:                "linux",
		GOARCH:              "amd64",
		VCS:                 &VCS{System: "git", Revision: "abc123", Modified: true},
		BuildSettings:       []BuildSetting{{Key: "-ldflags", Value: "-X main.token=***"}, {Key: "CGO_CFLAGS", Value: ""}, {Key: "DB_PASSWORD", Value: "***"}, {Key: "CGO_LDFLAGS", Value: ""}},
		Note:                "no build information in this binary",
		Dependencies:        []Dependency{{Path: "golang.org/x/sys", Version: "v0.50.0"}, {Path: "example.com/y", Version: "v1.0.0", Replace: "../y"}},
		DependenciesOmitted: 1200,
		GODEBUG:             []GODEBUGSetting{{Name: "http2client", Value: "0", Source: "env", NonDefaultUses: 3}},
	}
	var buf strings.Builder
	require.NoError(t, rep.WriteText(&buf))
	assert.Equal(t, `service = "shop\x1b[2J"
version = 1.2.3
path = example.com/shop/cmd/api
module = example.com/shop
module_version = (devel)
go_version = go1.26.0
goos = linux
goarch = amd64
vcs:
  system = git
  revision = abc123
  modified = true
build_settings:
  -ldflags = -X main.token=***
  DB_PASSWORD = ***
  (empty: CGO_CFLAGS, CGO_LDFLAGS)
godebug:
  http2client = 0 (env; non-default uses: 3)
dependencies (1202):
  golang.org/x/sys v0.50.0
  example.com/y v1.0.0 => ../y
  ... and 1,200 more (MaxDependencies)
note = no build information in this binary
`, buf.String())

	b, err := json.Marshal(rep)
	require.NoError(t, err)
	assert.Contains(t, string(b), `{"key":"CGO_CFLAGS","value":""}`, "JSON keeps the empty settings")

	var empty strings.Builder
	require.NoError(t, (&PackageReport{}).WriteText(&empty))
	assert.Contains(t, empty.String(), "build_settings:\n  (none)\n")

	var none strings.Builder
	require.NoError(t, (*PackageReport)(nil).WriteText(&none))
	assert.Equal(t, "(no package data)\n", none.String())
}
