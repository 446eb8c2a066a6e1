package sections

import (
	"bytes"
	"fmt"
	"runtime/pprof"

	"github.com/google/pprof/profile"
)

// readProfile reads the named runtime/pprof profile in its proto form, which
// the runtime collects without stopping the world for the dump, and parses
// it.
func readProfile(name string) (*profile.Profile, error) {
	p := pprof.Lookup(name)
	if p == nil {
		return nil, fmt.Errorf("%s profile: not found", name)
	}
	var buf bytes.Buffer
	if err := p.WriteTo(&buf, 0); err != nil {
		return nil, fmt.Errorf("%s profile: write: %w", name, err)
	}
	prof, err := profile.Parse(&buf)
	if err != nil {
		return nil, fmt.Errorf("%s profile: parse: %w", name, err)
	}
	return prof, nil
}

// Profile returns the goroutine profile the report was built from, or nil.
// The Reporter masks its labels and writes it beside a report file, so that
// the file and the report show the same moment.
func (r *GoroutineReport) Profile() *profile.Profile { return r.profile }

// Profile returns the heap profile the report's allocation sites come from,
// or nil when none was read (heap profiling off, or no sites asked for). The
// Reporter writes it beside a report file.
func (r *HeapReport) Profile() *profile.Profile { return r.profile }
