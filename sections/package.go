package sections

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/gmr-go/gmr/internal/redact"
	"github.com/gmr-go/gmr/internal/textfmt"
)

// Package is the "package" section: which build of which program this is.
// Which process runs it (host, pid, start time) is in the report's header.
// Its zero value is ready to use.
//
// Collect reads the build information the Go toolchain embeds in every
// binary (runtime/debug.ReadBuildInfo) and, for each non-default GODEBUG
// setting, one runtime/metrics counter. It stops nothing, makes no system
// call, and is safe for concurrent use.
type Package struct {
	// Service and Version are the names the service gives itself, shown as
	// given. Optional.
	Service, Version string
	// MaxDependencies is the most dependencies listed; the rest are
	// counted in PackageReport.DependenciesOmitted. Optional: zero means
	// DefaultMaxDependencies, a negative value lists none (the count
	// only).
	MaxDependencies int
}

// PackageReport is the data of the package section. It implements
// report.TextWriter.
type PackageReport struct {
	// Service and Version are Package's fields, as given.
	Service string `json:"service"`
	Version string `json:"version"`
	// Path is the import path of the main package, such as
	// "example.com/shop/cmd/api".
	Path string `json:"path"`
	// Module and ModuleVersion are the main module's path and version:
	// a tag such as "v1.4.2", a pseudo-version, or "(devel)" for a build
	// from a work tree.
	Module        string `json:"module"`
	ModuleVersion string `json:"module_version"`
	// GoVersion is the version of the Go runtime, runtime.Version().
	GoVersion string `json:"go_version"`
	// GOOS and GOARCH are the system and architecture the binary was built
	// for.
	GOOS   string `json:"goos"`
	GOARCH string `json:"goarch"`
	// VCS describes the commit the binary was built from, or is nil if the
	// build recorded none (go build -buildvcs=false, go run, tests).
	VCS *VCS `json:"vcs,omitempty"`
	// BuildSettings are all the build settings recorded in the binary, in
	// the toolchain's order ("-ldflags", "CGO_ENABLED", "GOAMD64", "vcs",
	// ...). Secrets in them are masked: the value of a setting whose key is
	// secret, and secrets inside values, such as -X main.token=... in
	// -ldflags.
	BuildSettings []BuildSetting `json:"build_settings"`
	// Dependencies are the modules built into the binary, in the
	// toolchain's order (sorted by path), at most Package.MaxDependencies;
	// DependenciesOmitted counts the rest.
	Dependencies        []Dependency `json:"dependencies"`
	DependenciesOmitted int          `json:"dependencies_omitted,omitempty"`
	// GODEBUG lists the GODEBUG settings that differ from the toolchain's
	// defaults: those set by the GODEBUG environment variable and those
	// built in (go.mod's go line and //go:debug directives), with how often
	// the runtime has used the non-default behaviour.
	GODEBUG []GODEBUGSetting `json:"godebug"`
	// Note explains missing data, such as a binary without build
	// information. It is empty when nothing is missing.
	Note string `json:"note,omitempty"`
}

// Dependency is one module built into the binary.
type Dependency struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	// Replace is the replacement module ("path version" or a directory),
	// when go.mod replaces this one.
	Replace string `json:"replace,omitempty"`
}

// GODEBUGSetting is one GODEBUG setting that differs from the default.
type GODEBUGSetting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Source is "env" for the GODEBUG environment variable, or "build"
	// for a default built into the binary.
	Source string `json:"source"`
	// NonDefaultUses is the runtime's count of uses of the non-default
	// behaviour (/godebug/non-default-behavior/<name>:events), when the
	// runtime tracks it.
	NonDefaultUses uint64 `json:"non_default_uses"`
}

// WriteText writes the report as "key = value" lines under the JSON field
// names, with the build settings one to a line, but those that are empty
// (CGO_CFLAGS and the like, when unset), which it names on one line:
//
//	service = shop
//	...
//	build_settings:
//	  -ldflags = "-s -X main.token=***"
//	  CGO_ENABLED = 1
//	  (empty: CGO_CFLAGS, CGO_CPPFLAGS, CGO_CXXFLAGS, CGO_LDFLAGS)
func (r *PackageReport) WriteText(w io.Writer) error {
	return writeBuffered(w, "package", r == nil, func(buf *bytes.Buffer) { r.writeText(buf) })
}

func (r *PackageReport) writeText(buf *bytes.Buffer) {
	kv := func(indent, k, v string) {
		// A value of "***" here is a masked secret: show it bare.
		fmt.Fprintf(buf, "%s%s = %s\n", indent, configText(k, false), configText(v, true))
	}
	kv("", "service", r.Service)
	kv("", "version", r.Version)
	kv("", "path", r.Path)
	kv("", "module", r.Module)
	kv("", "module_version", r.ModuleVersion)
	kv("", "go_version", r.GoVersion)
	kv("", "goos", r.GOOS)
	kv("", "goarch", r.GOARCH)
	if r.VCS != nil {
		buf.WriteString("vcs:\n")
		kv("  ", "system", r.VCS.System)
		kv("  ", "revision", r.VCS.Revision)
		if r.VCS.Time != "" {
			kv("  ", "time", r.VCS.Time)
		}
		kv("  ", "modified", strconv.FormatBool(r.VCS.Modified))
	}
	buf.WriteString("build_settings:\n")
	if len(r.BuildSettings) == 0 {
		buf.WriteString("  (none)\n")
	}
	var empty []string
	for _, s := range r.BuildSettings {
		if s.Value == "" {
			empty = append(empty, configText(s.Key, false))
			continue
		}
		kv("  ", s.Key, s.Value)
	}
	if len(empty) > 0 {
		fmt.Fprintf(buf, "  (empty: %s)\n", strings.Join(empty, ", "))
	}
	buf.WriteString("godebug:\n")
	if len(r.GODEBUG) == 0 {
		buf.WriteString("  (all defaults)\n")
	}
	for _, g := range r.GODEBUG {
		fmt.Fprintf(buf, "  %s = %s (%s; non-default uses: %d)\n",
			configText(g.Name, false), configText(g.Value, true), g.Source, g.NonDefaultUses)
	}
	fmt.Fprintf(buf, "dependencies (%d):\n", len(r.Dependencies)+r.DependenciesOmitted)
	for _, d := range r.Dependencies {
		line := d.Path + " " + d.Version
		if d.Replace != "" {
			line += " => " + d.Replace
		}
		fmt.Fprintf(buf, "  %s\n", configText(line, false))
	}
	if r.DependenciesOmitted > 0 {
		fmt.Fprintf(buf, "  ... and %s more (MaxDependencies)\n", textfmt.Commas(r.DependenciesOmitted))
	}
	if r.Note != "" {
		kv("", "note", r.Note)
	}
}

// VCS describes the version-control state a binary was built from.
type VCS struct {
	// System is the version control system, such as "git".
	System string `json:"system"`
	// Revision is the commit id.
	Revision string `json:"revision"`
	// Time is the commit time, in RFC 3339 format, as recorded.
	Time string `json:"time,omitempty"`
	// Modified reports whether the work tree had uncommitted changes.
	Modified bool `json:"modified"`
}

// BuildSetting is one build setting recorded in a binary.
type BuildSetting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Name returns "package".
func (Package) Name() string { return "package" }

// Collect returns a *PackageReport. Missing information (a binary without
// build information) is not an error: the fields stay empty and
// PackageReport.Note says why.
func (p Package) Collect(ctx context.Context) (any, error) {
	rep := &PackageReport{
		Service:       p.Service,
		Version:       p.Version,
		GoVersion:     runtime.Version(),
		GOOS:          runtime.GOOS,
		GOARCH:        runtime.GOARCH,
		BuildSettings: []BuildSetting{},
		Dependencies:  []Dependency{},
		GODEBUG:       []GODEBUGSetting{},
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi != nil {
		p.addBuildInfo(rep, bi, redact.FromContext(ctx))
	} else {
		rep.Note = "no build information in this binary"
	}
	return rep, nil
}

// addBuildInfo fills in rep's build fields, dependencies and GODEBUG
// settings from bi.
func (p Package) addBuildInfo(rep *PackageReport, bi *debug.BuildInfo, r *redact.Redactor) {
	rep.Path = bi.Path
	rep.Module = bi.Main.Path
	rep.ModuleVersion = bi.Main.Version
	var vcs VCS
	for _, s := range bi.Settings {
		v := s.Value
		if r.SecretKey(s.Key) && v != "" {
			v = redact.Mask
		} else {
			v = r.Value(v)
		}
		rep.BuildSettings = append(rep.BuildSettings, BuildSetting{Key: s.Key, Value: v})
		switch s.Key {
		case "vcs":
			vcs.System = v
		case "vcs.revision":
			vcs.Revision = v
		case "vcs.time":
			vcs.Time = v
		case "vcs.modified":
			vcs.Modified, _ = strconv.ParseBool(v)
		}
	}
	if vcs != (VCS{}) {
		rep.VCS = &vcs
	}
	rep.addDependencies(bi.Deps, bound(p.MaxDependencies, DefaultMaxDependencies))
	rep.GODEBUG = godebugSettings(os.Getenv("GODEBUG"), buildSetting(bi, "DefaultGODEBUG"))
}

// addDependencies lists deps, at most limit of them.
func (rep *PackageReport) addDependencies(deps []*debug.Module, limit int) {
	for i, d := range deps {
		if i >= limit {
			rep.DependenciesOmitted = len(deps) - i
			break
		}
		dep := Dependency{Path: d.Path, Version: d.Version}
		if d.Replace != nil {
			dep.Replace = strings.TrimSpace(d.Replace.Path + " " + d.Replace.Version)
		}
		rep.Dependencies = append(rep.Dependencies, dep)
	}
}

func buildSetting(bi *debug.BuildInfo, key string) string {
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// godebugSettings lists the non-default GODEBUG settings: those in the
// environment variable env, and those built in (built, the DefaultGODEBUG
// build setting), the environment winning as it does in the runtime.
func godebugSettings(env, built string) []GODEBUGSetting {
	out := []GODEBUGSetting{}
	seen := map[string]bool{}
	add := func(list, source string) {
		for kv := range strings.SplitSeq(list, ",") {
			name, value, ok := strings.Cut(strings.TrimSpace(kv), "=")
			if !ok || name == "" || seen[name] {
				continue
			}
			seen[name] = true
			out = append(out, GODEBUGSetting{Name: name, Value: value, Source: source, NonDefaultUses: nonDefaultUses(name)})
		}
	}
	add(env, "env")
	add(built, "build")
	return out
}

// nonDefaultUses reads /godebug/non-default-behavior/<name>:events, or 0
// when the runtime does not track the setting.
func nonDefaultUses(name string) uint64 {
	m := metricValues{samples: readMetrics("/godebug/non-default-behavior/" + name + ":events")}
	return m.uint64(0)
}
