package sections

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

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
// grouped by identical stack and pprof labels, most numerous group first,
// with which goroutines have been waiting long and which have leaked. Its
// zero value is ready to use.
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
// of their stacks (BenchmarkGoroutineDetail measures it). It merges the dump into the groups: each group gets its goroutines'
// states and longest waits, their ids and the go statements that created
// them, and the report gets a "waiting long" summary. Above DetailMax the
// report is in grouped mode and says so.
//
// The dump and the profile are taken one after the other, so a goroutine
// that changed in between may be missing from its group's detail; and the
// dump has no labels, so groups that differ only in labels share their
// detail. Both are counted in the report.
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
	// in its waiting-long summary and groups of leaked goroutines; the
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
	// blocked (there is one at least every two minutes), so a wait may be
	// reported up to that much short. Optional: zero means
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

// GoroutineReport is the data of the goroutines section. It implements
// report.TextWriter.
type GoroutineReport struct {
	// Total is the number of goroutines in the profile.
	Total int `json:"total"`
	// GroupCount is the number of groups, including omitted ones.
	GroupCount int `json:"group_count"`
	// Groups are the groups shown, most numerous first.
	Groups []GoroutineGroup `json:"groups"`
	// Omitted counts the goroutines and groups left out of Groups, or is
	// nil if none were.
	Omitted *GoroutineOmission `json:"omitted,omitempty"`
	// Source says where the stacks came from, such as
	// "goroutine profile (concurrent)".
	Source string `json:"source"`
	// Mode is "detail" when a full stack dump added per-goroutine detail
	// to the groups, and "grouped" when it did not.
	Mode string `json:"mode"`
	// ModeReason says why Mode is what it is, such as "100,000
	// goroutines, more than the detail limit of 1,000".
	ModeReason string `json:"mode_reason"`
	// Dump describes the full stack dump in detail mode, and is nil
	// otherwise.
	Dump *GoroutineDump `json:"dump,omitempty"`
	// WaitingLong lists the goroutines blocked for long, when the detail
	// to know that is available.
	WaitingLong GoroutineWaits `json:"waiting_long"`
	// Leaks are the goroutines the leak detector found, when the runtime
	// offers it.
	Leaks GoroutineLeaks `json:"leaks"`

	profile *profile.Profile // the snapshot the report was built from
}

// GoroutineGroup is a set of goroutines with the same stack and labels.
type GoroutineGroup struct {
	// Count is the number of goroutines in the group.
	Count int `json:"count"`
	// Labels are the goroutines' pprof labels. A numeric label is
	// formatted in decimal, followed by its unit if it has one; a key with
	// several values has them joined with ", ".
	Labels map[string]string `json:"labels,omitempty"`
	// Frames is the stack, innermost call first, with inlined calls
	// expanded. It includes the runtime's own frames (runtime.gopark,
	// runtime.chanrecv1, ...), which the text report folds into one line.
	Frames []Frame `json:"frames"`
	// FramesOmitted is the number of outermost frames left out of Frames.
	FramesOmitted int `json:"frames_omitted"`
	// Detail is what the stack dump says of the group's goroutines, in
	// detail mode; nil otherwise, and for a group none of whose
	// goroutines is in the dump.
	Detail *GoroutineDetail `json:"detail,omitempty"`
}

// GoroutineOmission counts what a list in a GoroutineReport left out.
type GoroutineOmission struct {
	// Goroutines is the number of goroutines in the omitted groups.
	Goroutines int `json:"goroutines"`
	// Groups is the number of omitted groups (or places).
	Groups int `json:"groups"`
	// Reason names the bound that was reached: "max_groups" or "max_bytes".
	Reason string `json:"reason"`
}

// GoroutineDump describes the full stack dump of a report in detail mode.
type GoroutineDump struct {
	// Goroutines is the number of goroutines in the dump.
	Goroutines int `json:"goroutines"`
	// Bytes is the size of the dump's text.
	Bytes int `json:"size_bytes"`
	// StopTime is how long runtime.Stack took: about as long as the
	// world was stopped. In JSON, milliseconds.
	StopTime Millis `json:"stop_time_ms"`
	// Truncated is set when the dump did not fit its buffer (2 KiB a
	// goroutine, at most 16 MiB): goroutines past the end have no detail.
	Truncated bool `json:"truncated,omitempty"`
	// Unmatched is the number of goroutines of the dump whose stack is in
	// no group: they changed between the profile and the dump.
	Unmatched int `json:"unmatched"`
	// ParseError describes lines of the dump that were not understood
	// and skipped, if any.
	ParseError string `json:"parse_error,omitempty"`
}

// GoroutineDetail is what the stack dump says of a group's goroutines.
type GoroutineDetail struct {
	// Goroutines is the number of the dump's goroutines with the group's
	// stack. It may differ from the group's count, as goroutines come and
	// go between the profile and the dump.
	Goroutines int `json:"goroutines"`
	// SharedGroups, when it is more than 1, is the number of groups that
	// have this stack and differ only in labels or in the runtime's
	// frames, which the dump does not show: the detail is of all their
	// goroutines together.
	SharedGroups int `json:"shared_groups,omitempty"`
	// States counts the goroutines by state, most numerous first.
	States []GoroutineState `json:"states"`
	// IDs are the smallest goroutine ids (at most 10), in order.
	IDs []int64 `json:"ids"`
	// IDsOmitted is the number of ids left out of IDs.
	IDsOmitted int `json:"ids_omitted,omitempty"`
	// LockedToThread is the number of goroutines wired to their OS thread
	// (runtime.LockOSThread).
	LockedToThread int `json:"locked_to_thread,omitempty"`
	// CreatedBy are the go statements that started the goroutines, most
	// goroutines first (at most 3).
	CreatedBy []GoroutineCreator `json:"created_by,omitempty"`
	// CreatorsOmitted is the number of go statements (with their creating
	// goroutine) left out of CreatedBy.
	CreatorsOmitted int `json:"creators_omitted,omitempty"`
}

// GoroutineState counts goroutines in one state.
type GoroutineState struct {
	// State is the runtime's name for it: "chan receive", "select",
	// "sync.Mutex.Lock", "IO wait", "running" ..., followed by
	// " (leaked)" for goroutines the leak detector found.
	State string `json:"state"`
	// Count is the number of goroutines in the state.
	Count int `json:"count"`
	// MaxWait is the longest any of them has been blocked, to the
	// minute (the runtime counts whole minutes): 0 for under a minute.
	// In JSON, milliseconds.
	MaxWait Millis `json:"max_wait_ms"`
}

// GoroutineCreator is a go statement and the goroutine that ran it.
type GoroutineCreator struct {
	// Frame is the go statement: the function it is in, its file and line.
	Frame
	// Goroutine is the creating goroutine's id, or 0 if unknown.
	Goroutine int64 `json:"goroutine"`
	// Count is the number of goroutines it created among the group's.
	Count int `json:"count"`
}

// GoroutineWaits is the waiting-long summary: goroutines blocked on a
// channel, a lock, a WaitGroup, a Cond or a select for at least
// Goroutines.LongWait, grouped by the place they wait in.
type GoroutineWaits struct {
	// Available is false in grouped mode, when there is no per-goroutine
	// detail to know how long goroutines wait.
	Available bool `json:"available"`
	// Note says why it is not available.
	Note string `json:"note,omitempty"`
	// MinWait is the shortest wait listed (Goroutines.LongWait); 0 lists
	// every blocked goroutine. In JSON, milliseconds.
	MinWait Millis `json:"min_wait_ms"`
	// Goroutines is the number of goroutines waiting long.
	Goroutines int `json:"goroutines"`
	// Places are where they wait, most goroutines first.
	Places []GoroutineWait `json:"places"`
	// Omitted counts the places left out, or is nil.
	Omitted *GoroutineOmission `json:"omitted,omitempty"`
}

// GoroutineWait is a place where goroutines have been waiting long.
type GoroutineWait struct {
	// State is what they wait for, as in GoroutineState.
	State string `json:"state"`
	// Count is the number of goroutines.
	Count int `json:"count"`
	// MaxWait is the longest wait, to the minute, as in GoroutineState.
	// In JSON, milliseconds.
	MaxWait Millis `json:"max_wait_ms"`
	// Call is the blocking call the code made, when it is a function
	// (sync.(*Mutex).Lock, sync.(*WaitGroup).Wait); empty for a channel
	// operation or select, which are statements.
	Call string `json:"call,omitempty"`
	// Frame is where the goroutines wait: the innermost frame outside the
	// runtime and package sync.
	Frame Frame `json:"frame"`
	// IDs are the smallest goroutine ids (at most 10), in order.
	IDs []int64 `json:"ids"`
	// IDsOmitted is the number of ids left out of IDs.
	IDsOmitted int `json:"ids_omitted,omitempty"`
}

// GoroutineLeaks lists the goroutines of the goroutineleak profile.
type GoroutineLeaks struct {
	// Available is set when the profile was read.
	Available bool `json:"available"`
	// Note says why it was not: the runtime does not offer it, it was
	// skipped, or reading it failed.
	Note string `json:"note,omitempty"`
	// Total is the number of leaked goroutines.
	Total int `json:"total"`
	// GroupCount is the number of groups, including omitted ones.
	GroupCount int `json:"group_count"`
	// Groups are the groups shown, most numerous first.
	Groups []GoroutineGroup `json:"groups"`
	// Omitted counts the goroutines and groups left out, or is nil.
	Omitted *GoroutineOmission `json:"omitted,omitempty"`
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
	leaks := g.readLeaks()
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

// stackGroup is a group being built by summarize.
type stackGroup struct {
	key    string
	count  int
	sample *profile.Sample // the first sample seen, for its stack and labels
	locs   []uint32        // its stack, as interned location ids
	frames []Frame         // all its frames, once computed
}

// locationTable interns locations by what they render as (function, file and
// line of each frame), so that a group's stack is a short list of ids and
// the frames of a location are computed once, however many groups share it.
// With unique labels on every goroutine each goroutine is its own group: the
// ids keep that at a few bytes per frame instead of a rendered key.
type locationTable struct {
	byLoc  map[*profile.Location]uint32
	byKey  map[string]uint32
	frames [][]Frame
}

func (t *locationTable) id(loc *profile.Location) uint32 {
	if id, ok := t.byLoc[loc]; ok {
		return id
	}
	k := locationKey(loc)
	id, ok := t.byKey[k]
	if !ok {
		id = uint32(len(t.frames))
		t.byKey[k] = id
		t.frames = append(t.frames, locationFrames(nil, loc))
	}
	t.byLoc[loc] = id
	return id
}

// compareStacks orders two stacks of location ids as compareFrames orders
// their frames, without building them.
func (t *locationTable) compareStacks(a, b []uint32) int {
	var ai, aj, bi, bj int // location index, frame index within it
	for {
		for ai < len(a) && aj >= len(t.frames[a[ai]]) {
			ai, aj = ai+1, 0
		}
		for bi < len(b) && bj >= len(t.frames[b[bi]]) {
			bi, bj = bi+1, 0
		}
		switch {
		case ai == len(a) && bi == len(b):
			return 0
		case ai == len(a):
			return -1
		case bi == len(b):
			return 1
		}
		if c := compareFrames(t.frames[a[ai]][aj:aj+1], t.frames[b[bi]][bj:bj+1]); c != 0 {
			return c
		}
		aj++
		bj++
	}
}

// groupSamples groups the samples of a goroutine profile by identical
// stack (as rendered: function, file and line of every frame, inlined ones
// included) and labels, most numerous group first, ties broken by stack.
// It does not assume p is valid beyond what profile.Parse checks, and never
// panics.
func groupSamples(p *profile.Profile) (groups []*stackGroup, total int) {
	locs := &locationTable{byLoc: map[*profile.Location]uint32{}, byKey: map[string]uint32{}}
	index := make(map[string]*stackGroup)
	var key strings.Builder
	var ids []uint32
	for _, s := range p.Sample {
		if s == nil || len(s.Value) == 0 || s.Value[0] <= 0 {
			continue
		}
		// Clamp, so that sums cannot overflow: no process has 2^31
		// goroutines in one stack.
		n := int(min(s.Value[0], math.MaxInt32))
		key.Reset()
		ids = ids[:0]
		// The key: the number of frames' locations, their ids, then the
		// labels, so that no two different groups share a key.
		depth := len(s.Location)
		key.Write([]byte{byte(depth), byte(depth >> 8), byte(depth >> 16), byte(depth >> 24)})
		for _, loc := range s.Location {
			id := locs.id(loc)
			ids = append(ids, id)
			key.Write([]byte{byte(id), byte(id >> 8), byte(id >> 16), byte(id >> 24)})
		}
		writeLabelKey(&key, s)
		k := key.String()
		sg := index[k]
		if sg == nil {
			sg = &stackGroup{key: k, sample: s, locs: slices.Clone(ids)}
			index[k] = sg
			groups = append(groups, sg)
		}
		sg.count = addSat(sg.count, n)
		total = addSat(total, n)
	}
	slices.SortFunc(groups, func(a, b *stackGroup) int {
		if c := cmp.Compare(b.count, a.count); c != 0 {
			return c
		}
		if c := locs.compareStacks(a.locs, b.locs); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	return groups, total
}

func (sg *stackGroup) allFrames() []Frame {
	if sg.frames == nil {
		sg.frames = sampleFrames(sg.sample)
	}
	return sg.frames
}

// group returns sg as a GoroutineGroup with at most lim.frames frames.
func (sg *stackGroup) group(lim goroutineLimits) GoroutineGroup {
	all := sg.allFrames()
	n := min(len(all), lim.frames)
	return GoroutineGroup{
		Count:         sg.count,
		Labels:        sampleLabels(sg.sample),
		Frames:        all[:n:n],
		FramesOmitted: len(all) - n,
	}
}

// summarize builds the report from a goroutine profile, the stack dump d
// (nil in grouped mode) and the leak profile lk, bounded by lim. The parts
// take their share of lim.bytes in the order the text shows them: the
// waiting-long summary, the leaked goroutines, then the groups.
func summarize(p *profile.Profile, d *stackDump, lk leakInput, lim goroutineLimits) *GoroutineReport {
	rep := &GoroutineReport{Groups: []GoroutineGroup{}, Source: goroutineSource, Mode: modeGrouped}
	groups, total := groupSamples(p)
	rep.Total, rep.GroupCount = total, len(groups)

	var details map[*stackGroup]*GoroutineDetail
	size := 0
	if d != nil {
		var info GoroutineDump
		details, info = mergeDump(groups, d)
		rep.Dump = &info
		rep.Mode = modeDetail
		rep.WaitingLong = waitingLong(d.goroutines, lim, &size)
	} else {
		rep.WaitingLong = GoroutineWaits{Note: "not known in grouped mode, without per-goroutine detail", Places: []GoroutineWait{}}
		size += waitsHeaderSize(&rep.WaitingLong)
	}
	rep.Leaks = summarizeLeaks(lk, d, lim, &size)
	rep.Groups, rep.Omitted = boundGroups(groups, details, "", lim, &size)
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
			gr.Detail = details[sg]
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

// locationKey identifies a location by what is shown of it.
func locationKey(loc *profile.Location) string {
	if loc == nil {
		return "\x01"
	}
	var b strings.Builder
	for _, f := range locationFrames(nil, loc) {
		b.WriteString(f.Function)
		b.WriteByte(0)
		b.WriteString(f.File)
		b.WriteByte(0)
		b.WriteString(strconv.Itoa(f.Line))
		b.WriteByte(0)
	}
	b.WriteByte(1)
	return b.String()
}

// sampleLabels returns s's string and numeric labels as one map, or nil if
// it has none.
func sampleLabels(s *profile.Sample) map[string]string {
	if len(s.Label) == 0 && len(s.NumLabel) == 0 {
		return nil
	}
	m := make(map[string]string, len(s.Label)+len(s.NumLabel))
	add := func(k, v string) {
		if old, ok := m[k]; ok {
			v = old + ", " + v
		}
		m[k] = v
	}
	for _, k := range sortedKeys(s.Label) {
		for _, v := range s.Label[k] {
			add(k, v)
		}
	}
	for _, k := range sortedKeys(s.NumLabel) {
		units := s.NumUnit[k]
		for i, v := range s.NumLabel[k] {
			str := strconv.FormatInt(v, 10)
			if i < len(units) && units[i] != "" {
				str += " " + units[i]
			}
			add(k, str)
		}
	}
	return m // masked by the Reporter's masking pass, as all section data is
}

// writeLabelKey writes a canonical form of s's labels to b.
func writeLabelKey(b *strings.Builder, s *profile.Sample) {
	for _, k := range sortedKeys(s.Label) {
		b.WriteString(strconv.Quote(k))
		for _, v := range s.Label[k] {
			b.WriteByte('=')
			b.WriteString(strconv.Quote(v))
		}
		b.WriteByte(0)
	}
	b.WriteByte(1)
	for _, k := range sortedKeys(s.NumLabel) {
		b.WriteString(strconv.Quote(k))
		units := s.NumUnit[k]
		for i, v := range s.NumLabel[k] {
			b.WriteByte('=')
			b.WriteString(strconv.FormatInt(v, 10))
			if i < len(units) {
				b.WriteString(strconv.Quote(units[i]))
			}
		}
		b.WriteByte(0)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// addSat returns a+b for non-negative a and b, or math.MaxInt if that
// overflows.
func addSat(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}
