package sections

import (
	"runtime/pprof"

	"github.com/google/pprof/profile"
)

// leakProfileOff is the leaks' note when Goroutines.LeakProfile is not set.
const leakProfileOff = "off (GMR_LEAK_PROFILE=1 reads the leak profile, at the cost of a GC cycle)"

// leakInput is the goroutineleak profile, or why there is none.
type leakInput struct {
	prof *profile.Profile
	note string
}

// readLeaks reads the goroutineleak profile, if g asks for it and the
// runtime offers it. Writing it runs the leak detector: a full GC cycle that
// marks goroutines blocked on what no running goroutine can reach.
func (g Goroutines) readLeaks() leakInput {
	if !g.LeakProfile {
		return leakInput{note: leakProfileOff}
	}
	if pprof.Lookup("goroutineleak") == nil {
		return leakInput{note: "not available: the runtime offers no goroutineleak profile (Go 1.27 does; Go 1.26 when built with GOEXPERIMENT=goroutineleakprofile)"}
	}
	p, err := readProfile("goroutineleak")
	if err != nil {
		return leakInput{note: err.Error()}
	}
	return leakInput{prof: p}
}

// summarizeLeaks groups the leak profile's goroutines, with the detail of
// the stack dump d's leaked goroutines if there is a dump, bounded by lim.
// size is the text's size so far; it grows by the leaks'.
func summarizeLeaks(lk leakInput, d *stackDump, lim goroutineLimits, size *int) GoroutineLeaks {
	l := GoroutineLeaks{Note: lk.note, Groups: []GoroutineGroup{}}
	if lk.prof != nil {
		l.Available = true
		groups, total := groupSamples(lk.prof)
		l.Total, l.GroupCount = total, len(groups)
		var details map[*stackGroup]*GoroutineDetail
		if d != nil {
			leaked := &stackDump{}
			for _, g := range d.goroutines {
				if g.Leaked {
					leaked.goroutines = append(leaked.goroutines, g)
				}
			}
			details, _, _ = mergeDump(groups, leaked)
		}
		*size += leaksHeaderSize(&l)
		l.Groups, l.Omitted = boundGroups(groups, details, "  ", lim, size)
	} else {
		*size += leaksHeaderSize(&l)
	}
	return l
}
