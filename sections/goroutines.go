package sections

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"runtime"
	"time"

	"github.com/gmr-go/gmr/internal/gostack"
	"github.com/gmr-go/gmr/internal/redact"
	"github.com/gmr-go/gmr/internal/textfmt"
	"github.com/google/pprof/profile"
)

// detailFramesPerGoroutine is the average number of frames in the
// profile's stacks a goroutine may have for a full stack dump of DetailMax
// goroutines: 24, which are about 20 in the dump, whose cost is in its
// frames.
const detailFramesPerGoroutine = 24

// Fixed bounds on the detail merged into groups.
const (
	maxIDs      = 10 // goroutine ids listed per group or wait place
	maxCreators = 3  // creating go statements listed per group
)

// Report modes, the values of GoroutineReport.Mode.
const (
	modeDetail  = "detail"
	modeGrouped = "grouped"
)

// goroutineSource is GoroutineReport.Source for a report built from the
// goroutine profile.
const goroutineSource = "goroutine profile (concurrent)"

// Goroutines is the "goroutines" section: what every goroutine is doing,
// grouped by identical stack, most numerous group first, with which
// goroutines have been waiting long and which have leaked. Its zero value
// is ready to use.
//
// # Groups
//
// Labels never split a group: a group lists the pprof labels all its
// goroutines share, and for each other key how many goroutines have it, how
// many distinct values it has ("request_id: 10,000 distinct", counted up to
// 100,000 a key) and the most common ones. Every group has a state, named
// as the runtime names it in a stack dump: the dump's in detail mode, and
// otherwise inferred from the blocking frames of its stack (runtime.chanrecv
// is "chan receive", sync.(*Mutex).Lock "sync.Mutex.Lock",
// internal/poll.runtime_pollWait "IO wait", a system call "syscall", ...).
// Who started a group is read from its outermost frames: a goroutine
// started by a wrapper such as sync.(*WaitGroup).Go or errgroup's Go is
// attributed to the function its closure is defined in. gmr's own
// goroutines (see GoroutineOwn) are kept apart from the program's.
//
// # Cost
//
// Collect always reads the runtime's goroutine profile (runtime/pprof's
// "goroutine" profile, in its protocol buffer form) and groups its samples.
// Since Go 1.19 that profile is collected concurrently: the world is stopped
// twice, briefly, to start and to finish, however many goroutines there
// are, where runtime.Stack(buf, true) stops it for the whole dump, which
// grows with them. The calling goroutine does the work while the program
// runs on, walking every goroutine's stack in runtime code, so timers due
// on the processor it runs on may fire late while it does; its time, almost
// all of it runtime/pprof's, grows with the number of goroutines and their
// stacks, and so does the profile's memory, which is the runtime's and
// garbage once Collect returns. gmr's BenchmarkReport measures all of
// these against runtime.Stack; the README quotes its figures.
//
// # Detail
//
// The profile has no goroutine ids, states or wait times. While the program
// has at most DetailMax goroutines (DefaultDetailMax unless set), Collect
// also takes a full stack dump with runtime.Stack(buf, true), which does
// stop the world, for a time that grows with the goroutines and the depth
// of their stacks (BenchmarkGoroutineDetail measures it). It merges the
// dump into the groups: each group gets its goroutines' states and longest
// waits, their ids and the go statements that created them, and the report
// gets a "waiting long" summary. Above DetailMax the report is in grouped
// mode and says so.
//
// The dump and the profile are taken one after the other, so a goroutine
// that changed in between may be missing from its group's detail; that is
// counted in the report.
//
// Wait times depend on the garbage collector: the runtime stamps the start
// of a goroutine's wait only when a GC runs after it blocked, so a
// goroutine blocked for an hour in a process that has not collected since
// (the runtime forces a GC every two minutes, but not with GOGC=off) shows
// no wait. When no GC has run since the process started, the
// waiting-long summary says so (GoroutineWaits.NoGC) instead of "none".
//
// # Leaks
//
// With LeakProfile set, and where the runtime offers the "goroutineleak"
// profile (Go 1.27, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile),
// Collect reads it too: it lists goroutines blocked on channels or locks that
// no running goroutine can reach, which can never wake. It is off by default
// because reading it runs a full garbage collection cycle that does stall the
// program: the cycle's own stops of the world, and its marking, which at
// 100,000 goroutines took about as long again as the goroutine profile and
// made the program's timers late by some 20 ms (see the README).
//
// Collect is safe for concurrent use.
type Goroutines struct {
	// MaxGroups is the most groups the report lists, and the most places
	// in its waiting-long summary, groups of leaked goroutines and groups
	// of gmr's own; the
	// rest are counted. Optional: zero means DefaultMaxGroups, a negative
	// value lists none (the counts only).
	MaxGroups int
	// MaxFrames is the most frames shown for one stack, innermost first;
	// the rest are counted in GoroutineGroup.FramesOmitted. Optional: zero
	// means DefaultMaxFrames, a negative value shows none.
	MaxFrames int
	// MaxBytes bounds, roughly, the size of the section's text rendering:
	// what would take it past the bound is omitted and counted. Optional:
	// zero means DefaultMaxBytes (1 MiB), a negative value lists no group.
	MaxBytes int
	// DetailMax is the most goroutines (runtime.NumGoroutine) for which
	// Collect takes a full stack dump, which stops the world, to add ids,
	// states and wait times. As the dump's cost is in the frames it
	// prints, their stacks may also have at most 24 frames each on
	// average (DetailMax × 24 in all). Optional: zero means
	// DefaultDetailMax, a negative value turns the dump off.
	DetailMax int
	// LongWait is how long a goroutine must have been blocked on a
	// channel, a lock, a WaitGroup, a Cond or a select to be listed in the
	// waiting-long summary. The runtime reports waits in whole minutes, so
	// the wait shown is rounded down and compared with LongWait; and it
	// starts counting at the first garbage collection after the goroutine
	// blocked, so a wait may be reported that much short: up to two
	// minutes, as the runtime forces a GC that often, but with no bound
	// under GOGC=off (see GoroutineWaits.NoGC). Optional: zero means
	// DefaultLongWait (one minute). It is a threshold, not a bound: a
	// negative value lists every such goroutine, however briefly it has
	// been blocked.
	LongWait time.Duration
	// LeakProfile reads the goroutineleak profile where the runtime offers
	// it, at the cost of the garbage collection cycle it runs (see Leaks).
	// Optional: off by default; GMR_LEAK_PROFILE=1 turns it on for the
	// built-in section.
	LeakProfile bool
}

// Name returns "goroutines".
func (Goroutines) Name() string { return "goroutines" }

// Collect returns a *GoroutineReport. It returns ctx.Err() if ctx is done
// before the goroutine profile is read, and then takes no stack dump;
// reading a profile or a dump cannot be interrupted.
func (g Goroutines) Collect(ctx context.Context) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lim := g.limits()
	// The leak profile comes first: its collection marks leaked
	// goroutines, which the stack dump then shows as such.
	reduced := Reduced(ctx)
	var leaks leakInput
	if reduced && g.LeakProfile {
		leaks = leakInput{note: "not read: a small report, for a process near its memory limit (the leak profile runs a GC cycle)"}
	} else {
		leaks = g.readLeaks()
	}
	prof, err := readProfile("goroutine")
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	var dump *stackDump
	var reason string
	frames, maxFrames := profileFrames(prof), math.MaxInt
	if lim.detailMax < math.MaxInt/detailFramesPerGoroutine {
		maxFrames = lim.detailMax * detailFramesPerGoroutine
	}
	switch n := runtime.NumGoroutine(); {
	case lim.detailMax == 0:
		reason = "per-goroutine detail is off (DetailMax < 0)"
	case reduced:
		reason = "a small report, for a process near its memory limit: no full stack dump"
	case n > lim.detailMax:
		reason = fmt.Sprintf("%s goroutines, more than the detail limit of %s: a full stack dump would stop the program for too long",
			textfmt.Commas(n), textfmt.Commas(lim.detailMax))
	case frames > maxFrames:
		reason = fmt.Sprintf("%s goroutines, but %s frames in their stacks, more than the detail limit of %s: a full stack dump would stop the program for too long",
			textfmt.Commas(n), textfmt.Commas(frames), textfmt.Commas(maxFrames))
	default:
		reason = fmt.Sprintf("%s goroutines, no more than the detail limit of %s", textfmt.Commas(n), textfmt.Commas(lim.detailMax))
		dump = takeStackDump(n)
	}

	rep := summarize(prof, dump, leaks, lim)
	rep.ModeReason = reason
	rep.profile = prof
	maskLabels(rep, redact.FromContext(ctx))
	return rep, nil
}

// profileFrames returns the number of frames in the stacks of p's
// goroutines, as many as a stack dump would print: at most 100 a goroutine.
func profileFrames(p *profile.Profile) int {
	total := 0
	for _, s := range p.Sample {
		if s == nil || len(s.Value) == 0 || s.Value[0] <= 0 {
			continue
		}
		n := 0
		for _, loc := range s.Location {
			if loc != nil {
				n += max(len(loc.Line), 1)
			}
		}
		total = addSat(total, int(min(s.Value[0], math.MaxInt32))*min(n, 100))
	}
	return total
}

// goroutineLimits are a Goroutines' bounds with defaults applied.
type goroutineLimits struct {
	groups, frames, bytes int
	detailMax             int           // 0: no detail
	longWait              time.Duration // negative: any wait
}

func (g Goroutines) limits() goroutineLimits {
	lim := goroutineLimits{
		groups:    bound(g.MaxGroups, DefaultMaxGroups),
		frames:    bound(g.MaxFrames, DefaultMaxFrames),
		bytes:     bound(g.MaxBytes, DefaultMaxBytes),
		detailMax: bound(g.DetailMax, DefaultDetailMax),
		longWait:  g.LongWait,
	}
	if lim.longWait == 0 {
		lim.longWait = DefaultLongWait
	}
	return lim
}

// summarize builds the report from a goroutine profile, the stack dump d
// (nil in grouped mode) and the leak profile lk, bounded by lim. The parts
// take their share of lim.bytes in the order the text shows them: the
// waiting-long summary, the leaked goroutines, then the groups; gmr's own
// groups, one line in text, are bounded by lim.groups only.
func summarize(p *profile.Profile, d *stackDump, lk leakInput, lim goroutineLimits) *GoroutineReport {
	rep := &GoroutineReport{Groups: []GoroutineGroup{}, Source: goroutineSource, Mode: modeGrouped}
	all, total, locs := groupSamplesIn(p)
	rep.Total = total
	var groups, own []*stackGroup
	for _, sg := range all {
		// Most stacks have no call in gmr's code: their frames, which
		// isOwnGroup needs, are built only for the groups shown.
		maybe := sg.labels != nil && sg.labels.keys[ownLabel] != nil || locs.hasGmr(sg.locs)
		if sg.own = maybe && isOwnGroup(sg.allFrames(), sg.labels, sg.count); sg.own {
			own = append(own, sg)
			rep.Own.Goroutines = addSat(rep.Own.Goroutines, sg.count)
		} else {
			groups = append(groups, sg)
		}
	}
	rep.GroupCount, rep.Own.GroupCount = len(groups), len(own)

	var details map[*stackGroup]*GoroutineDetail
	size := 0
	if d != nil {
		var info GoroutineDump
		var users []gostack.Goroutine
		details, users, info = mergeDump(all, d)
		rep.Dump = &info
		rep.Mode = modeDetail
		rep.WaitingLong = waitingLong(users, d.noGC, lim, &size)
	} else {
		rep.WaitingLong = GoroutineWaits{Note: "not known in grouped mode, without per-goroutine detail", Places: []GoroutineWait{}}
		size += waitsHeaderSize(&rep.WaitingLong)
	}
	rep.Leaks = summarizeLeaks(lk, d, lim, &size)
	size += ownLineSize(&rep.Own)
	rep.Groups, rep.Omitted = boundGroups(groups, details, "", lim, &size)
	unbounded := lim
	unbounded.bytes = math.MaxInt
	rep.Own.Groups, rep.Own.Omitted = boundGroups(own, details, "", unbounded, new(int))
	return rep
}

// boundGroups returns the groups that fit lim, with their detail, and what
// was left out. size is the text's size so far; it grows by the groups'.
func boundGroups(groups []*stackGroup, details map[*stackGroup]*GoroutineDetail, indent string, lim goroutineLimits, size *int) ([]GoroutineGroup, *GoroutineOmission) {
	shown := []GoroutineGroup{}
	var text bytes.Buffer
	for i, sg := range groups {
		reason := "max_groups"
		if i < lim.groups {
			gr := sg.group(lim)
			gr.setDetail(details[sg])
			text.Reset()
			writeGroup(&text, &gr, indent)
			text.WriteByte('\n')
			if *size+text.Len() <= lim.bytes {
				*size += text.Len()
				shown = append(shown, gr)
				continue
			}
			reason = "max_bytes"
		}
		return shown, omission(groups[i:], reason)
	}
	return shown, nil
}

// omission counts the groups of rest, left out for reason.
func omission(rest []*stackGroup, reason string) *GoroutineOmission {
	om := &GoroutineOmission{Groups: len(rest), Reason: reason}
	for _, sg := range rest {
		om.Goroutines = addSat(om.Goroutines, sg.count)
	}
	return om
}

// setDetail gives g the dump's detail of its goroutines, if there is one,
// and with it the state the dump says most of them are in.
func (g *GoroutineGroup) setDetail(d *GoroutineDetail) {
	g.Detail = d
	if d == nil || len(d.States) == 0 {
		return
	}
	g.InferredState = g.State
	g.State, g.StateSource = d.States[0].State, stateFromDump
}
