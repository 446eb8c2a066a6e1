package sections

import (
	"runtime/pprof"

	"github.com/google/pprof/profile"
)

// leakInput is the goroutineleak profile, or why there is none.
type leakInput struct {
	prof *profile.Profile
	note string
}

// readLeaks reads the goroutineleak profile, if the runtime offers it and g
// does not skip it. Writing it runs the leak detector: a full GC cycle that
// marks goroutines blocked on what no running goroutine can reach.
func (g Goroutines) readLeaks() leakInput {
	if g.SkipLeakProfile {
		return leakInput{note: "skipped (SkipLeakProfile is set)"}
	}
	if pprof.Lookup("goroutineleak") == nil {
		return leakInput{note: "not available: the runtime offers no goroutineleak profile (Go 1.26 does when built with GOEXPERIMENT=goroutineleakprofile)"}
	}
	p, err := readProfile("goroutineleak")
	if err != nil {
		return leakInput{note: err.Error()}
	}
	return leakInput{prof: p}
}

// summarizeLeaks groups the leak profile's goroutines, bounded by lim. size
// is the text's size so far; it grows by the leaks'.
func summarizeLeaks(lk leakInput, lim goroutineLimits, size *int) GoroutineLeaks {
	l := GoroutineLeaks{Note: lk.note}
	if lk.prof != nil {
		l.Available = true
		groups, total := groupSamples(lk.prof)
		l.Total, l.GroupCount = total, len(groups)
		*size += leaksHeaderSize(&l)
		l.Groups, l.Omitted = boundGroups(groups, nil, "  ", lim, size)
	} else {
		*size += leaksHeaderSize(&l)
	}
	return l
}
