package sections

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGODEBUGSettings(t *testing.T) {
	got := godebugSettings("http2client=0, gctrace=1,bogus", "panicnil=1,http2client=1")
	require.Len(t, got, 3)
	assert.Equal(t, GODEBUGSetting{Name: "http2client", Value: "0", Source: "env", NonDefaultUses: got[0].NonDefaultUses}, got[0],
		"the environment wins over the built-in default, as in the runtime")
	assert.Equal(t, "gctrace", got[1].Name)
	assert.Equal(t, "env", got[1].Source)
	assert.Equal(t, GODEBUGSetting{Name: "panicnil", Value: "1", Source: "build", NonDefaultUses: got[2].NonDefaultUses}, got[2])
	assert.Empty(t, godebugSettings("", ""))
}

func TestDependenciesBounded(t *testing.T) {
	deps := []*debug.Module{
		{Path: "a.example/x", Version: "v1.0.0"},
		{Path: "b.example/y", Version: "v2.0.0", Replace: &debug.Module{Path: "../y"}},
		{Path: "c.example/z", Version: "v0.1.0"},
	}
	tests := []struct {
		limit       int
		wantListed  int
		wantOmitted int
	}{
		{limit: 0, wantListed: 3},
		{limit: 2, wantListed: 2, wantOmitted: 1},
		{limit: -1, wantListed: 0, wantOmitted: 3},
	}
	for _, tt := range tests {
		rep := &PackageReport{Dependencies: []Dependency{}}
		rep.addDependencies(deps, bound(tt.limit, DefaultMaxDependencies))
		assert.Len(t, rep.Dependencies, tt.wantListed, "limit %d", tt.limit)
		assert.Equal(t, tt.wantOmitted, rep.DependenciesOmitted, "limit %d", tt.limit)
	}
	rep := &PackageReport{}
	rep.addDependencies(deps, 3)
	assert.Equal(t, Dependency{Path: "b.example/y", Version: "v2.0.0", Replace: "../y"}, rep.Dependencies[1])
}
