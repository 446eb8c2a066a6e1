package sections

import (
	"bytes"
	"cmp"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gmr-go/gmr/internal/gostack"
)

// Bounds of the stack dump's buffer. runtime.Stack stops the world for as
// long as the whole dump takes, whatever the buffer's size, and what does
// not fit is lost, so the buffer is sized by the goroutine count: 2 KiB a
// goroutine holds a stack about 30 calls deep.
const (
	dumpBytesPerGoroutine = 2 << 10
	minDumpBytes          = 64 << 10
	maxDumpBytes          = 16 << 20
)

// matchFrames is how many frames, innermost first and package runtime's
// left out, identify a stack when a dump's goroutine is matched to a
// profile's group: deep stacks differ in the dump, which leaves out frames
// past the 50th, and in the profile, which stops at 128 or so.
const matchFrames = 40

// stackDump is a full stack dump, parsed.
type stackDump struct {
	// goroutines are the dump's goroutines but the one that took it.
	goroutines []gostack.Goroutine
	// total is the number of goroutines in the dump.
	total     int
	bytes     int
	stop      time.Duration
	truncated bool
	parseErr  error
	// noGC is set when no garbage collection had run when the dump was
	// taken, so that it knows no goroutine's wait.
	noGC bool
}

// noGCNote is the waiting-long summary's note when no GC has run.
const noGCNote = "no wait is known yet: no GC has run since the process started, and the runtime stamps the start of a goroutine's wait only at a GC (it forces one every two minutes, unless GOGC=off)"

// gcCycles returns the number of GC cycles the runtime has completed, and
// whether it knows.
func gcCycles() (uint64, bool) {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0, false
	}
	return s[0].Value.Uint64(), true
}

// takeStackDump takes a full stack dump of the program's n goroutines with
// runtime.Stack(buf, true), which stops the world while it writes.
func takeStackDump(n int) *stackDump {
	size := min(max(n, 0), maxDumpBytes/dumpBytesPerGoroutine) * dumpBytesPerGoroutine
	cycles, known := gcCycles()
	d := stackDumpInto(make([]byte, max(size, minDumpBytes)))
	d.noGC = known && cycles == 0
	return d
}

// stackDumpInto takes a full stack dump into buf, and parses what fits.
func stackDumpInto(buf []byte) *stackDump {
	start := time.Now()
	m := runtime.Stack(buf, true)
	d := &stackDump{bytes: m, stop: time.Since(start)}
	text := buf[:m]
	if m == len(buf) {
		// Full: the last goroutine may be cut short, so drop it.
		d.truncated = true
		if i := bytes.LastIndex(text, []byte("\n\ngoroutine ")); i >= 0 {
			text = text[:i+1]
		}
	}
	d.goroutines, d.parseErr = gostack.Parse(text)
	d.total = len(d.goroutines)
	// runtime.Stack writes the calling goroutine first: this one, whose
	// stack in the dump is in no group of the profile.
	if len(d.goroutines) > 0 {
		d.goroutines = d.goroutines[1:]
	}
	return d
}

// mergeDump matches the dump's goroutines to groups by their stacks and
// returns each matched group's detail, the dump's goroutines but those of
// gmr's own groups, and the dump's description.
func mergeDump(groups []*stackGroup, d *stackDump) (map[*stackGroup]*GoroutineDetail, []gostack.Goroutine, GoroutineDump) {
	info := GoroutineDump{
		Goroutines: max(d.total, len(d.goroutines)),
		Bytes:      d.bytes,
		StopTime:   Millis(d.stop),
		Truncated:  d.truncated,
	}
	if d.parseErr != nil {
		info.ParseError = d.parseErr.Error()
	}
	byKey := make(map[string][]*stackGroup, len(groups))
	var key strings.Builder
	for _, sg := range groups {
		k := matchKey(&key, sg.allFrames(), func(f Frame) (string, string, int) { return f.Function, f.File, f.Line })
		if k != "" { // a stack all in the runtime matches nothing
			byKey[k] = append(byKey[k], sg)
		}
	}
	accs := make(map[string]*detailAcc)
	var order []string
	users := make([]gostack.Goroutine, 0, len(d.goroutines))
	for i := range d.goroutines {
		g := &d.goroutines[i]
		k := matchKey(&key, g.Frames, func(f gostack.Frame) (string, string, int) { return f.Function, f.File, f.Line })
		matched := byKey[k]
		if len(matched) == 0 || slices.ContainsFunc(matched, func(sg *stackGroup) bool { return !sg.own }) {
			users = append(users, *g) // gmr's own have no place in the waiting-long summary
		}
		if matched == nil {
			info.Unmatched++
			continue
		}
		acc := accs[k]
		if acc == nil {
			acc = &detailAcc{states: make(map[string]*GoroutineState), creators: make(map[creatorKey]*creatorAcc)}
			accs[k] = acc
			order = append(order, k)
		}
		acc.add(g)
	}
	details := make(map[*stackGroup]*GoroutineDetail, len(accs))
	for _, k := range order {
		det := accs[k].detail()
		if n := len(byKey[k]); n > 1 {
			det.SharedGroups = n
		}
		for _, sg := range byKey[k] {
			details[sg] = det
		}
	}
	return details, users, info
}

// matchKey identifies a stack by the frames a dump shows of it: its first
// matchFrames frames outside package runtime, most of whose frames
// runtime.Stack leaves out.
func matchKey[F any](b *strings.Builder, frames []F, parts func(F) (fn, file string, line int)) string {
	b.Reset()
	n := 0
	for _, f := range frames {
		fn, file, line := parts(f)
		if strings.HasPrefix(fn, "runtime.") {
			continue
		}
		if n++; n > matchFrames {
			break
		}
		b.WriteString(fn)
		b.WriteByte(0)
		b.WriteString(file)
		b.WriteByte(0)
		b.WriteString(strconv.Itoa(line))
		b.WriteByte(0)
	}
	return b.String()
}

// creatorKey tells creators apart: by function, wrapper and go statement,
// not by the goroutine that ran them.
type creatorKey struct {
	frame Frame
	via   string
}

// creatorAcc counts the goroutines one creator started.
type creatorAcc struct {
	GoroutineCreator
	parents map[int64]bool // at most maxParents
}

// maxParents is the most distinct creating goroutines counted for one
// creator.
const maxParents = 10_000

// detailAcc accumulates the detail of the goroutines with one stack.
type detailAcc struct {
	n        int
	states   map[string]*GoroutineState
	ids      []int64
	locked   int
	creators map[creatorKey]*creatorAcc
}

func (a *detailAcc) add(g *gostack.Goroutine) {
	a.n++
	name := stateName(g)
	st := a.states[name]
	if st == nil {
		st = &GoroutineState{State: name}
		a.states[name] = st
	}
	st.Count++
	st.MaxWait = max(st.MaxWait, waitOf(g))
	a.ids = append(a.ids, g.ID)
	if g.LockedToThread {
		a.locked++
	}
	if c := g.CreatedBy; c != nil {
		k := creatorOf(*c, g.Frames)
		cr := a.creators[k]
		if cr == nil {
			cr = &creatorAcc{GoroutineCreator: GoroutineCreator{Frame: k.frame, Via: k.via}, parents: make(map[int64]bool)}
			a.creators[k] = cr
		}
		cr.Count++
		if len(cr.parents) < maxParents {
			cr.parents[g.CreatorID] = true
		}
	}
}

// creatorOf returns who created a goroutine with frames whose go statement
// is created (the dump's "created by" line): the function of the go
// statement, or when that is a wrapper's, the function on whose behalf it
// started the goroutine (see stackOrigin).
func creatorOf(created gostack.Frame, frames []gostack.Frame) creatorKey {
	fs := make([]Frame, len(frames))
	for i, f := range frames {
		fs[i] = Frame(f)
	}
	o := stackOrigin(fs)
	fn := created.Function
	switch {
	case o.CreatedIn == "":
	case o.Via != "" && o.Via == fn:
		// A wrapper's go statement: sync.(*WaitGroup).Go.func1 <
		// main.main.func2.
		return creatorKey{frame: Frame{Function: o.CreatedIn}, via: fn}
	case o.Via == "" && o.CreatedIn != fn && !strings.HasPrefix(fn, o.CreatedIn+"."):
		// A closure of another function, started by the go statement of
		// a helper it was given to: go f().
		return creatorKey{frame: Frame{Function: o.CreatedIn}, via: fn}
	}
	return creatorKey{frame: Frame{Function: fn, File: created.File, Line: created.Line}}
}

func (a *detailAcc) detail() *GoroutineDetail {
	d := &GoroutineDetail{Goroutines: a.n, LockedToThread: a.locked}
	for _, st := range a.states {
		d.States = append(d.States, *st)
	}
	slices.SortFunc(d.States, func(x, y GoroutineState) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(x.State, y.State))
	})
	d.IDs, d.IDsOmitted = smallest(a.ids, maxIDs)
	var creators []GoroutineCreator
	for _, cr := range a.creators {
		c := cr.GoroutineCreator
		switch n := len(cr.parents); {
		case n == 1:
			for id := range cr.parents {
				c.Goroutine = id
			}
		case n > 1:
			c.ParentGoroutines = n
		}
		creators = append(creators, c)
	}
	slices.SortFunc(creators, func(x, y GoroutineCreator) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), compareFrames([]Frame{x.Frame}, []Frame{y.Frame}), strings.Compare(x.Via, y.Via))
	})
	if len(creators) > maxCreators {
		d.CreatorsOmitted = len(creators) - maxCreators
		creators = creators[:maxCreators:maxCreators]
	}
	d.CreatedBy = creators
	return d
}

// smallest returns the n smallest of ids, in order, and how many were left
// out. It sorts ids.
func smallest(ids []int64, n int) ([]int64, int) {
	slices.Sort(ids)
	k := min(len(ids), n)
	return slices.Clone(ids[:k]), len(ids) - k
}

// stateName is g's state as a report shows it, marked if g leaked.
func stateName(g *gostack.Goroutine) string {
	if g.Leaked {
		return g.State + " (leaked)"
	}
	return g.State
}

// blockingStates are the states of goroutines blocked on a channel, a lock,
// a WaitGroup, a Cond or a select: those the waiting-long summary lists. A
// goroutine in IO wait, a sleep or a syscall is not listed: services wait
// for their clients for hours.
var blockingStates = map[string]bool{
	"chan receive":            true,
	"chan send":               true,
	"chan receive (nil chan)": true,
	"chan send (nil chan)":    true,
	"select":                  true,
	"select (no cases)":       true,
	"semacquire":              true,
	"sync.Mutex.Lock":         true,
	"sync.RWMutex.RLock":      true,
	"sync.RWMutex.Lock":       true,
	"sync.WaitGroup.Wait":     true,
	"sync.Cond.Wait":          true,
}

func isBlocking(state string) bool {
	return blockingStates[strings.TrimSuffix(state, " (durable)")]
}

// waitingLong lists the goroutines of gs that have been blocked long, by
// place, bounded by lim; noGC says that no GC has run, so that no wait is
// known. size is the text's size so far; it grows by the
// summary's.
func waitingLong(gs []gostack.Goroutine, noGC bool, lim goroutineLimits, size *int) GoroutineWaits {
	w := GoroutineWaits{Available: true, Places: []GoroutineWait{}}
	if noGC {
		w.NoGC, w.Note = true, noGCNote
	}
	minMinutes := 0
	if lim.longWait > 0 {
		w.MinWait = Millis(lim.longWait)
		minMinutes = int((lim.longWait + time.Minute - 1) / time.Minute)
	}
	type place struct {
		GoroutineWait
		ids []int64
	}
	index := make(map[string]*place)
	var places []*place
	var key strings.Builder
	for i := range gs {
		g := &gs[i]
		if !isBlocking(g.State) || g.WaitMinutes < minMinutes {
			continue
		}
		call, at := waitPlace(g.Frames)
		state := stateName(g)
		key.Reset()
		for _, s := range []string{state, call, at.Function, at.File, strconv.Itoa(at.Line)} {
			key.WriteString(s)
			key.WriteByte(0)
		}
		p := index[key.String()]
		if p == nil {
			p = &place{GoroutineWait: GoroutineWait{State: state, Call: call, Frame: at}}
			index[key.String()] = p
			places = append(places, p)
		}
		p.Count++
		p.MaxWait = max(p.MaxWait, waitOf(g))
		p.ids = append(p.ids, g.ID)
		w.Goroutines++
	}
	slices.SortFunc(places, func(x, y *place) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(y.MaxWait, x.MaxWait),
			compareFrames([]Frame{x.Frame}, []Frame{y.Frame}), strings.Compare(x.State, y.State), strings.Compare(x.Call, y.Call))
	})
	*size += waitsHeaderSize(&w)
	var text bytes.Buffer
	for i, p := range places {
		reason := "max_groups"
		if i < lim.groups {
			p.IDs, p.IDsOmitted = smallest(p.ids, maxIDs)
			text.Reset()
			writeWait(&text, &p.GoroutineWait)
			if *size+text.Len() <= lim.bytes {
				*size += text.Len()
				w.Places = append(w.Places, p.GoroutineWait)
				continue
			}
			reason = "max_bytes"
		}
		om := &GoroutineOmission{Groups: len(places) - i, Reason: reason}
		for _, rest := range places[i:] {
			om.Goroutines += rest.Count
		}
		w.Omitted = om
		break
	}
	return w
}

// waitPlace returns where a blocked goroutine with frames waits: the
// innermost frame outside the runtime (see isRuntimeFunc), and the call it
// made into the runtime, if the dump shows it.
func waitPlace[F gostack.Frame | Frame](frames []F) (call string, at Frame) {
	i := 0
	for i < len(frames) && isRuntimeFunc(Frame(frames[i]).Function) {
		i++
	}
	if i > 0 {
		call = Frame(frames[i-1]).Function
	}
	switch {
	case i < len(frames):
		return call, Frame(frames[i])
	case len(frames) > 0:
		return "", Frame(frames[len(frames)-1])
	default:
		return "", Frame{Function: "?"}
	}
}

// isRuntimeFunc reports whether fn is a function of the runtime's own, in
// the sense of panicparse: of package runtime or sync (whose functions are
// the calls that block), or of one of the standard library's internal
// packages. Their frames are folded into one line in text.
func isRuntimeFunc(fn string) bool {
	pkg := funcPackage(fn)
	return pkg == "runtime" || pkg == "sync" || strings.HasPrefix(pkg, "internal/") || strings.HasPrefix(pkg, "runtime/internal/")
}

// funcPackage returns the import path of the package a function's
// qualified name is in: "net/http" for "net/http.(*Server).Serve[...]".
func funcPackage(fn string) string {
	if i := strings.IndexByte(fn, '['); i >= 0 {
		fn = fn[:i]
	}
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return ""
	}
	return fn[:slash+1+dot]
}

// waitOf returns how long g has been blocked, to the minute the runtime
// counts in.
func waitOf(g *gostack.Goroutine) Millis {
	return Millis(time.Duration(max(g.WaitMinutes, 0)) * time.Minute)
}
