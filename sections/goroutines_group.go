package sections

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/google/pprof/profile"
)

// stackGroup is a group being built by summarize: the goroutines of a
// profile with one stack, whatever their labels.
type stackGroup struct {
	key    string
	count  int
	sample *profile.Sample // the first sample seen, for its stack
	locs   []uint32        // its stack, as interned location ids
	frames []Frame         // all its frames, once computed
	labels *labelAcc       // its goroutines' labels, or nil if none has any
	own    bool            // gmr's own goroutines (see isOwnGroup)
}

// locationTable interns locations by what they render as (function, file and
// line of each frame), so that a group's stack is a short list of ids and
// the frames of a location are computed once, however many groups share it.
type locationTable struct {
	byLoc  map[*profile.Location]uint32
	byKey  map[string]uint32
	frames [][]Frame
	gmr    []bool // whether a location has a call in gmr's code (inGmr)
}

// hasGmr reports whether any of the locations of a stack has a call in
// gmr's code, which a stack of gmr's own goroutines has.
func (t *locationTable) hasGmr(ids []uint32) bool {
	for _, id := range ids {
		if t.gmr[id] {
			return true
		}
	}
	return false
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
		fs := locationFrames(nil, loc)
		t.frames = append(t.frames, fs)
		t.gmr = append(t.gmr, slices.ContainsFunc(fs, inGmr))
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
// included), most numerous group first, ties broken by stack. Labels never
// split a group: runtime/pprof writes one sample for each distinct stack and
// label set, so with a unique label on every goroutine each goroutine is a
// sample of its own, and its labels are counted into its stack's group
// (see labelAcc, whose bounds keep that work and memory bounded).
// groupSamples does not assume p is valid beyond what profile.Parse checks,
// and never panics.
func groupSamples(p *profile.Profile) (groups []*stackGroup, total int) {
	groups, total, _ = groupSamplesIn(p)
	return groups, total
}

// groupSamplesIn is groupSamples, with the table of the groups' locations.
func groupSamplesIn(p *profile.Profile) (groups []*stackGroup, total int, locs *locationTable) {
	locs = &locationTable{byLoc: map[*profile.Location]uint32{}, byKey: map[string]uint32{}}
	index := make(map[string]*stackGroup)
	budget := &labelBudget{values: maxLabelValuesTotal}
	var key []byte
	var ids []uint32
	for _, s := range p.Sample {
		if s == nil || len(s.Value) == 0 || s.Value[0] <= 0 {
			continue
		}
		// Clamp, so that sums cannot overflow: no process has 2^31
		// goroutines in one stack.
		n := int(min(s.Value[0], math.MaxInt32))
		key = key[:0]
		ids = ids[:0]
		// The key: the location ids, 4 bytes each.
		for _, loc := range s.Location {
			id := locs.id(loc)
			ids = append(ids, id)
			key = append(key, byte(id), byte(id>>8), byte(id>>16), byte(id>>24))
		}
		sg := index[string(key)]
		if sg == nil {
			k := string(key)
			sg = &stackGroup{key: k, sample: s, locs: slices.Clone(ids)}
			index[k] = sg
			groups = append(groups, sg)
		}
		sg.count = addSat(sg.count, n)
		total = addSat(total, n)
		if len(s.Label) > 0 || len(s.NumLabel) > 0 {
			if sg.labels == nil {
				sg.labels = newLabelAcc()
			}
			sg.labels.add(s, n, budget)
		}
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
	return groups, total, locs
}

func (sg *stackGroup) allFrames() []Frame {
	if sg.frames == nil {
		sg.frames = sampleFrames(sg.sample)
	}
	return sg.frames
}

// group returns sg as a GoroutineGroup with at most lim.frames frames, and
// its state, place, origin and labels.
func (sg *stackGroup) group(lim goroutineLimits) GoroutineGroup {
	all := sg.allFrames()
	n := min(len(all), lim.frames)
	gr := GoroutineGroup{
		Count:         sg.count,
		State:         stackState(all),
		StateSource:   stateFromStack,
		Where:         shortFunc(wherePlace(all).Function),
		Frames:        all[:n:n],
		FramesOmitted: len(all) - n,
	}
	if o := stackOrigin(all); o.Entry != "" {
		gr.Origin = &o
	}
	if sg.labels != nil {
		gr.Labels, gr.VaryingLabels, gr.LabelsOmitted = sg.labels.summary(sg.count)
	}
	return gr
}

// wherePlace is the frame a group is shown by: the innermost one of the
// program's own code, outside the standard library; failing that, the
// outermost one outside the runtime (net/http.(*conn).serve, for a server's
// connection); failing that, the outermost.
func wherePlace(frames []Frame) Frame {
	if len(frames) == 0 {
		return Frame{Function: "?"}
	}
	for _, f := range frames {
		if !isStdlib(funcPackage(f.Function)) {
			return f
		}
	}
	for i := len(frames) - 1; i >= 0; i-- {
		if !isRuntimeFunc(frames[i].Function) && frames[i].Function != "runtime.goexit" {
			return frames[i]
		}
	}
	return frames[len(frames)-1]
}

// isStdlib reports whether pkg is a package of the standard library: one
// whose import path's first element has no dot, but main.
func isStdlib(pkg string) bool {
	if pkg == "" || pkg == "main" {
		return false
	}
	first, _, _ := strings.Cut(pkg, "/")
	return !strings.Contains(first, ".")
}

// shortFunc returns a function's name without its package's import path
// directories: "http.(*Server).Serve" for "net/http.(*Server).Serve".
func shortFunc(fn string) string {
	path := fn
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
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
