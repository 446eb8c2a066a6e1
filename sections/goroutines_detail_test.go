package sections

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gmr-go/gmr/internal/gostack"
	"github.com/gmr-go/gmr/internal/textfmt"
	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testPkg = "github.com/gmr-go/gmr/sections."

// Functions the detail tests park goroutines in, each in one kind of wait.

//go:noinline
func parkOnChan(ch <-chan struct{}) { <-ch }

//go:noinline
func parkInSelect(a, b <-chan struct{}) {
	select {
	case <-a:
	case <-b:
	}
}

//go:noinline
func parkInSleep() { time.Sleep(time.Hour) }

//go:noinline
func parkOnWaitGroup(wg *sync.WaitGroup) { wg.Wait() }

//go:noinline
func holdMutex(mu *sync.Mutex, locked chan<- struct{}, release <-chan struct{}) {
	mu.Lock()
	close(locked)
	<-release
	mu.Unlock()
}

//go:noinline
func stuckOnMutex(mu *sync.Mutex) {
	mu.Lock()
	//lint:ignore SA2001 blocking on the lock is the point
	mu.Unlock()
}

// currentGoroutineID returns the calling goroutine's id, from its stack.
func currentGoroutineID(t testing.TB) int64 {
	t.Helper()
	buf := make([]byte, 4096)
	gs, err := gostack.Parse(buf[:runtime.Stack(buf, false)])
	require.NoError(t, err)
	require.Len(t, gs, 1)
	return gs[0].ID
}

// groupIn returns the group of rep whose stack has fn, or nil.
func groupIn(rep *GoroutineReport, fn string) *GoroutineGroup {
	for i, g := range rep.Groups {
		if slices.ContainsFunc(g.Frames, func(f Frame) bool { return f.Function == fn }) {
			return &rep.Groups[i]
		}
	}
	return nil
}

// waitIn returns the waiting-long place of rep in fn, or nil.
func waitIn(rep *GoroutineReport, fn string) *GoroutineWait {
	for i, p := range rep.WaitingLong.Places {
		if p.Frame.Function == fn {
			return &rep.WaitingLong.Places[i]
		}
	}
	return nil
}

// collectUntil collects with g until every function of want has a group
// whose detail has that one state, and returns that report.
func collectUntil(t *testing.T, g Goroutines, want map[string]string) *GoroutineReport {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rep := collectGoroutines(t, g)
		ok := true
		for fn, state := range want {
			gr := groupIn(rep, fn)
			ok = ok && gr != nil && gr.Detail != nil && len(gr.Detail.States) == 1 && gr.Detail.States[0].State == state
		}
		if ok {
			return rep
		}
		if time.Now().After(deadline) {
			var text bytes.Buffer
			require.NoError(t, rep.WriteText(&text))
			t.Fatalf("goroutines not in their states within 10s:\n%s", text.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestGoroutinesDetail(t *testing.T) {
	me := currentGoroutineID(t)
	stop := make(chan struct{})
	never := make(chan struct{})
	var mu sync.Mutex
	locked := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var running sync.WaitGroup
	run := func(f func()) {
		running.Add(1)
		go func() {
			defer running.Done()
			f()
		}()
	}
	for range 3 {
		run(func() { parkOnChan(stop) })
	}
	run(func() { parkInSelect(stop, never) })
	run(func() { parkOnWaitGroup(&wg) })
	run(func() { holdMutex(&mu, locked, stop) })
	<-locked
	run(func() { stuckOnMutex(&mu) })
	go parkInSleep() // cannot be woken; it sleeps past the test
	t.Cleanup(func() {
		close(stop)
		wg.Done()
		running.Wait()
	})

	rep := collectUntil(t, Goroutines{LongWait: -1}, map[string]string{
		testPkg + "parkOnChan":      "chan receive",
		testPkg + "parkInSelect":    "select",
		testPkg + "parkOnWaitGroup": "sync.WaitGroup.Wait",
		testPkg + "holdMutex":       "chan receive",
		testPkg + "stuckOnMutex":    "sync.Mutex.Lock",
		testPkg + "parkInSleep":     "sleep",
	})
	require.Equal(t, "detail", rep.Mode)
	assert.Contains(t, rep.ModeReason, "no more than the detail limit of 1,000")
	require.NotNil(t, rep.Dump)
	assert.Positive(t, rep.Dump.StopTime)
	assert.Positive(t, rep.Dump.Bytes)
	assert.GreaterOrEqual(t, rep.Dump.Goroutines, 8)
	assert.False(t, rep.Dump.Truncated)
	assert.Empty(t, rep.Dump.ParseError)

	chanGroup := groupIn(rep, testPkg+"parkOnChan")
	d := chanGroup.Detail
	assert.Equal(t, 3, chanGroup.Count)
	assert.Equal(t, 3, d.Goroutines)
	assert.Equal(t, []GoroutineState{{State: "chan receive", Count: 3}}, d.States, "wait under a minute: 0")
	require.Len(t, d.IDs, 3)
	assert.True(t, slices.IsSorted(d.IDs))
	assert.Zero(t, d.IDsOmitted)
	require.Len(t, d.CreatedBy, 1)
	assert.Equal(t, testPkg+"TestGoroutinesDetail.func1", d.CreatedBy[0].Function)
	assert.Equal(t, "goroutines_detail_test.go", filepath.Base(d.CreatedBy[0].File))
	assert.Equal(t, me, d.CreatedBy[0].Goroutine, "created by the test's goroutine")
	assert.Equal(t, 3, d.CreatedBy[0].Count)

	sleep := groupIn(rep, testPkg+"parkInSleep").Detail
	// Earlier runs of this test (-count) leave their sleepers behind.
	require.Len(t, sleep.States, 1)
	assert.Equal(t, "sleep", sleep.States[0].State)
	assert.GreaterOrEqual(t, sleep.States[0].Count, 1)
	assert.Equal(t, testPkg+"TestGoroutinesDetail", sleep.CreatedBy[0].Function, "a go statement in the test itself")

	// The waiting-long summary, listing every wait (LongWait < 0), finds
	// the goroutine stuck on the mutex, and where.
	assert.True(t, rep.WaitingLong.Available)
	assert.Zero(t, rep.WaitingLong.MinWait)
	stuck := waitIn(rep, testPkg+"stuckOnMutex")
	require.NotNil(t, stuck, "waiting long: %+v", rep.WaitingLong)
	assert.Equal(t, "sync.Mutex.Lock", stuck.State)
	assert.Equal(t, "sync.(*Mutex).Lock", stuck.Call)
	assert.Equal(t, "goroutines_detail_test.go", filepath.Base(stuck.Frame.File))
	assert.Equal(t, 1, stuck.Count)
	assert.Equal(t, groupIn(rep, testPkg+"stuckOnMutex").Detail.IDs, stuck.IDs)
	holder := waitIn(rep, testPkg+"holdMutex")
	require.NotNil(t, holder)
	assert.Equal(t, "chan receive", holder.State)
	assert.Empty(t, holder.Call, "a channel receive is a statement, not a call")
	assert.NotNil(t, waitIn(rep, testPkg+"parkInSelect"))
	assert.NotNil(t, waitIn(rep, testPkg+"parkOnWaitGroup"))
	assert.Nil(t, waitIn(rep, testPkg+"parkInSleep"), "a sleep is not a wait on another goroutine")

	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	out := text.String()
	assert.Contains(t, out, "\ndetail mode: ")
	assert.Contains(t, out, "\nwaiting long (blocked at all on a channel, lock, WaitGroup, Cond or select): ")
	assert.Contains(t, out, "\n  1 goroutine [sync.Mutex.Lock] ids "+idList(stuck.IDs)+"\n    sync.(*Mutex).Lock called in "+testPkg+"stuckOnMutex\n")
	assert.Contains(t, out, "\n3 goroutines\n  state: chan receive\n  ids: "+idList(d.IDs)+"\n  created by "+testPkg+"TestGoroutinesDetail.func1 in goroutine ")
	assert.Contains(t, out, "\n    sync.(*Mutex).Lock  [+")

	// Each group's state is the dump's, and the state its stack implies
	// is the same.
	for fn, state := range map[string]string{
		"parkOnChan": "chan receive", "parkInSelect": "select", "parkOnWaitGroup": "sync.WaitGroup.Wait",
		"holdMutex": "chan receive", "stuckOnMutex": "sync.Mutex.Lock", "parkInSleep": "sleep",
	} {
		g := groupIn(rep, testPkg+fn)
		assert.Equal(t, state, g.State, fn)
		assert.Equal(t, "dump", g.StateSource, fn)
		assert.Equal(t, g.State, g.InferredState, fn)
		assert.Equal(t, "sections."+fn, g.Where, fn)
	}

	// With the default threshold of a minute, none of them waits long.
	rep = collectGoroutines(t, Goroutines{})
	assert.Equal(t, Millis(time.Minute), rep.WaitingLong.MinWait)
	assert.Nil(t, waitIn(rep, testPkg+"stuckOnMutex"))
	text.Reset()
	require.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "\nwaiting long (blocked 1 minute or more on a channel, lock, WaitGroup, Cond or select): ")
}

func idList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

func TestGoroutinesGroupedMode(t *testing.T) {
	parkGoroutines(t, 20)
	for _, tt := range []struct {
		g      Goroutines
		reason string
	}{
		{Goroutines{DetailMax: 5}, ", more than the detail limit of 5: a full stack dump would stop the program for too long"},
		{Goroutines{DetailMax: -1}, "per-goroutine detail is off (DetailMax < 0)"},
	} {
		rep := collectGoroutines(t, tt.g)
		assert.Equal(t, "grouped", rep.Mode)
		assert.Contains(t, rep.ModeReason, tt.reason)
		assert.Nil(t, rep.Dump)
		for _, g := range rep.Groups {
			assert.Nil(t, g.Detail)
		}
		assert.False(t, rep.WaitingLong.Available)
		assert.Equal(t, "not known in grouped mode, without per-goroutine detail", rep.WaitingLong.Note)
		var text bytes.Buffer
		require.NoError(t, rep.WriteText(&text))
		assert.Contains(t, text.String(), "\ngrouped mode: "+rep.ModeReason+"\n\nwaiting long: not known in grouped mode, without per-goroutine detail\n")
		assert.NotContains(t, text.String(), "\n  ids: ", "no per-goroutine detail")
		// But every group has a state, from its stack.
		for _, g := range rep.Groups {
			assert.Equal(t, "stack", g.StateSource)
			assert.NotEmpty(t, g.State)
			assert.Empty(t, g.InferredState)
		}
		parked := parkedGroup(rep)
		require.NotNil(t, parked)
		assert.Equal(t, "chan receive", parked.State)
		assert.Contains(t, text.String(), "\n20 goroutines\n  state: chan receive (from the stack)\n    runtime.chanrecv1  [+2 runtime frames]\n")
	}
}

// dumpProfile builds a goroutine profile of gs: one sample per goroutine,
// with the runtime's frames the dump leaves out (runtime.gopark at the top,
// runtime.goexit at the bottom) put back, and labels when it has them.
func dumpProfile(gs []gostack.Goroutine) *profile.Profile {
	p := &profile.Profile{SampleType: []*profile.ValueType{{Type: "goroutine", Unit: "count"}}}
	funcs := map[[2]string]*profile.Function{}
	loc := func(fn, file string, line int) *profile.Location {
		f := funcs[[2]string{fn, file}]
		if f == nil {
			f = &profile.Function{ID: uint64(len(p.Function) + 1), Name: fn, Filename: file}
			funcs[[2]string{fn, file}] = f
			p.Function = append(p.Function, f)
		}
		l := &profile.Location{ID: uint64(len(p.Location) + 1), Line: []profile.Line{{Function: f, Line: int64(line)}}}
		p.Location = append(p.Location, l)
		return l
	}
	for _, g := range gs {
		s := &profile.Sample{Value: []int64{1}}
		s.Location = append(s.Location, loc("runtime.gopark", "/go/src/runtime/proc.go", 460))
		for _, f := range g.Frames {
			s.Location = append(s.Location, loc(f.Function, f.File, f.Line))
		}
		s.Location = append(s.Location, loc("runtime.goexit", "/go/src/runtime/asm_amd64.s", 1771))
		for k, v := range g.Labels {
			if s.Label == nil {
				s.Label = map[string][]string{}
			}
			s.Label[k] = []string{v}
		}
		p.Sample = append(p.Sample, s)
	}
	return p
}

func readGoroutineDump(t testing.TB, name string) []gostack.Goroutine {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "goroutines", name))
	require.NoError(t, err)
	gs, err := gostack.Parse(b)
	require.NoError(t, err)
	return gs
}

// TestSummarizeRealDump merges a real dump of goroutines blocked for 2
// minutes (testdata/goroutines/waits.txt) into a profile of the same
// goroutines.
func TestSummarizeRealDump(t *testing.T) {
	gs := readGoroutineDump(t, "waits.txt")
	d := &stackDump{goroutines: gs, total: len(gs), bytes: 12345, stop: 3 * time.Millisecond}
	lim := Goroutines{}.limits()
	rep := summarize(dumpProfile(gs), d, leakInput{}, lim)

	assert.Equal(t, &GoroutineDump{Goroutines: 19, Bytes: 12345, StopTime: Millis(3 * time.Millisecond)}, rep.Dump)
	for _, g := range rep.Groups {
		require.NotNil(t, g.Detail, "group %v", g.Frames)
		assert.Equal(t, g.Count, g.Detail.Goroutines)
	}
	mutex := groupIn(rep, "main.(*store).get")
	require.NotNil(t, mutex)
	assert.Equal(t, 2, mutex.Count)
	assert.Equal(t, []GoroutineState{{State: "sync.Mutex.Lock", Count: 2, MaxWait: Millis(2 * time.Minute)}}, mutex.Detail.States)
	require.Len(t, mutex.Detail.CreatedBy, 1)
	assert.Equal(t, GoroutineCreator{
		Frame:     Frame{Function: "main.main", File: "/work/main/testdata/goroutines/gendump/main.go", Line: mutex.Detail.CreatedBy[0].Line},
		Goroutine: 1, Count: 2,
	}, mutex.Detail.CreatedBy[0])
	assert.Equal(t, 1, groupIn(rep, "main.main.func13").Detail.LockedToThread)

	// All blocked for 2 minutes: every goroutine blocked on another is
	// waiting long, but not the sleeping one, the one in IO wait, nor the
	// running main goroutine.
	w := rep.WaitingLong
	assert.True(t, w.Available)
	assert.Equal(t, Millis(time.Minute), w.MinWait)
	assert.Equal(t, 19-3, w.Goroutines)
	assert.Equal(t, GoroutineWait{
		State: "sync.Mutex.Lock", Count: 2, MaxWait: Millis(2 * time.Minute), Call: "sync.(*Mutex).Lock",
		Frame: Frame{Function: "main.(*store).get", File: "/work/main/testdata/goroutines/gendump/main.go", Line: 38},
		IDs:   mutex.Detail.IDs,
	}, *waitIn(rep, "main.(*store).get"), "the waiting-long place")
	assert.Equal(t, "sync.(*WaitGroup).Wait", waitIn(rep, "main.main.func9").Call)
	assert.Equal(t, "chan receive", w.Places[0].State, "the most numerous place first: %+v", w.Places[0])
	assert.Equal(t, 3, w.Places[0].Count)

	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	out := text.String()
	assert.Contains(t, out, "\nwaiting long (blocked 1 minute or more on a channel, lock, WaitGroup, Cond or select): 16 goroutines in 13 places\n")
	assert.Contains(t, out, "\n  2 goroutines [sync.Mutex.Lock, longest 2 minutes] ids 11, 12\n"+
		"    sync.(*Mutex).Lock called in main.(*store).get\n"+
		"        /work/main/testdata/goroutines/gendump/main.go:38\n")
	assert.Contains(t, out, "\n2 goroutines\n  state: sync.Mutex.Lock (longest 2 minutes)\n  ids: 11, 12\n"+
		"  created by main.main in goroutine 1 at /work/main/testdata/goroutines/gendump/main.go:")
	assert.Contains(t, out, "\n  locked to an OS thread: 1\n")

	// A longer threshold lists none.
	lim.longWait = 3 * time.Minute
	rep = summarize(dumpProfile(gs), d, leakInput{}, lim)
	assert.Zero(t, rep.WaitingLong.Goroutines)
	assert.Empty(t, rep.WaitingLong.Places)
	text.Reset()
	require.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "\nwaiting long (blocked 3 minutes or more on a channel, lock, WaitGroup, Cond or select): none\n")
	// And 90 seconds means 2 whole minutes.
	lim.longWait = 90 * time.Second
	assert.Equal(t, 16, summarize(dumpProfile(gs), d, leakInput{}, lim).WaitingLong.Goroutines)
}

func TestSummarizeCannedDump(t *testing.T) {
	dump := func(s string) []gostack.Goroutine {
		gs, err := gostack.Parse([]byte(s))
		require.NoError(t, err)
		return gs
	}
	stuck := dump(`goroutine 40 [semacquire, 12 minutes]:
sync.runtime_Semacquire(0xc000012345?)
	/usr/local/go/src/runtime/sema.go:71 +0x25
main.stuck()
	/src/main.go:10 +0x1d
created by main.main in goroutine 1
	/src/main.go:5 +0x2f

goroutine 41 [semacquire, 3 minutes]:
sync.runtime_Semacquire(0xc000012345?)
	/usr/local/go/src/runtime/sema.go:71 +0x25
main.stuck()
	/src/main.go:10 +0x1d
created by main.main in goroutine 1
	/src/main.go:5 +0x2f

goroutine 42 [chan receive (leaked)]:
main.leaky()
	/src/main.go:20 +0x1d
created by main.spawn in goroutine 7
	/src/main.go:18 +0x2f
`)
	d := &stackDump{goroutines: stuck, total: 3}
	rep := summarize(dumpProfile(stuck), d, leakInput{}, Goroutines{}.limits())
	require.Len(t, rep.WaitingLong.Places, 1, "the leaked goroutine has waited under a minute")
	assert.Equal(t, GoroutineWait{
		State: "semacquire", Count: 2, MaxWait: Millis(12 * time.Minute), Call: "sync.runtime_Semacquire",
		Frame: Frame{Function: "main.stuck", File: "/src/main.go", Line: 10}, IDs: []int64{40, 41},
	}, rep.WaitingLong.Places[0])
	assert.Equal(t, []GoroutineState{{State: "semacquire", Count: 2, MaxWait: Millis(12 * time.Minute)}}, groupIn(rep, "main.stuck").Detail.States)
	assert.Equal(t, []GoroutineState{{State: "chan receive (leaked)", Count: 1}}, groupIn(rep, "main.leaky").Detail.States)

	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "\n  2 goroutines [semacquire, longest 12 minutes] ids 40, 41\n    sync.runtime_Semacquire called in main.stuck\n        /src/main.go:10\n")
	assert.Contains(t, text.String(), "\n  state: semacquire (longest 12 minutes)\n")

	// Groups that differ only in the runtime's frames, which the dump
	// leaves out, share the dump's detail; labels do not split a group; a
	// goroutine whose stack is in no group is counted; ids are capped;
	// creators are told apart by function, not by creating goroutine.
	var many []gostack.Goroutine
	for i := range 25 {
		g := stuck[1]
		g.ID = int64(100 + i)
		if i%2 == 1 {
			g.Labels = map[string]string{"worker": "odd"}
		}
		if i == 24 {
			g.CreatorID = 9
		}
		many = append(many, g)
	}
	p := dumpProfile(many)
	gopark := &profile.Location{ID: uint64(len(p.Location) + 1), Line: []profile.Line{{Function: p.Sample[0].Location[0].Line[0].Function, Line: 461}}}
	p.Location = append(p.Location, gopark)
	for i := 1; i < len(p.Sample); i += 2 {
		p.Sample[i].Location[0] = gopark
	}
	moved := stuck[2]
	for i := range many {
		many[i].Labels = nil // the dump has no labels
	}
	d = &stackDump{goroutines: append(many, moved), total: 26}
	rep = summarize(p, d, leakInput{}, Goroutines{}.limits())
	require.Len(t, rep.Groups, 2)
	assert.Equal(t, 1, rep.Dump.Unmatched)
	assert.Equal(t, 13, rep.Groups[0].Count)
	assert.Equal(t, 12, rep.Groups[1].Count)
	det := rep.Groups[0].Detail
	assert.Same(t, det, rep.Groups[1].Detail)
	assert.Equal(t, 2, det.SharedGroups)
	assert.Equal(t, 25, det.Goroutines)
	assert.Equal(t, []int64{100, 101, 102, 103, 104, 105, 106, 107, 108, 109}, det.IDs)
	assert.Equal(t, 15, det.IDsOmitted)
	assert.Empty(t, rep.Groups[0].Labels)
	assert.Equal(t, map[string]string{"worker": "odd"}, rep.Groups[1].Labels)
	assert.Equal(t, []GoroutineCreator{{Frame: Frame{Function: "main.main", File: "/src/main.go", Line: 5}, ParentGoroutines: 2, Count: 25}}, det.CreatedBy)

	text.Reset()
	require.NoError(t, rep.WriteText(&text))
	out := text.String()
	assert.Contains(t, out, "\n  1 goroutine changed between the profile and the dump: no group has their detail\n")
	assert.Contains(t, out, "\n13 goroutines\n  state: semacquire (longest 3 minutes)\n  ids: 100, 101, 102, 103, 104, 105, 106, 107, 108, 109 and 15 more\n"+
		"  created by main.main in 2 goroutines at /src/main.go:5\n"+
		"  detail of the 2 groups with this stack together, 25 goroutines (they differ in runtime frames, which the dump leaves out)\n"+
		"    sync.runtime_Semacquire  [+1 runtime frame]\n")
}

// TestGoroutinesMillion checks the bounds with a profile of a million
// goroutines in 20,000 stacks: the report stays small.
func TestGoroutinesMillion(t *testing.T) {
	f := newFakeProfile()
	main := f.loc("main.main:1")
	for i := range 20_000 {
		f.sample(50, nil, f.loc("main.f"+strconv.Itoa(i)+":7"), main)
	}
	lim := Goroutines{MaxGroups: math.MaxInt}.limits()
	rep := summarize(f.p, nil, leakInput{}, lim)
	assert.Equal(t, 1_000_000, rep.Total)
	assert.Equal(t, 20_000, rep.GroupCount)
	require.NotNil(t, rep.Omitted)
	assert.Equal(t, "max_bytes", rep.Omitted.Reason)
	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	assert.LessOrEqual(t, text.Len(), lim.bytes+1024)
	js, err := json.Marshal(rep)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(js), 2*lim.bytes)
	assert.Contains(t, text.String(), "\n... and "+textfmt.Commas(rep.Omitted.Goroutines)+" more goroutines in "+textfmt.Commas(rep.Omitted.Groups)+" groups (max_bytes)\n")
}

func TestFuncPackage(t *testing.T) {
	for _, tt := range []struct {
		fn, pkg string
		runtime bool
	}{
		{"runtime.gopark", "runtime", true},
		{"runtime.(*Func).Name", "runtime", true},
		{"internal/sync.(*Mutex).lockSlow", "internal/sync", true},
		{"internal/poll.(*FD).Read", "internal/poll", true},
		{"sync.(*WaitGroup).Wait", "sync", true},
		{"sync/atomic.(*Int64).Add", "sync/atomic", false},
		{"runtime/pprof.Do", "runtime/pprof", false},
		{"main.main.func1", "main", false},
		{"net/http.(*Server).Serve", "net/http", false},
		{"golang.org/x/net/http2.(*Framer).ReadFrame", "golang.org/x/net/http2", false},
		{"example.com/m.F[go.shape.*example.com/n.T]", "example.com/m", false},
		{"example.com/internal/x.F", "example.com/internal/x", false},
		{"0x4f00", "", false},
		{"?", "", false},
	} {
		assert.Equal(t, tt.pkg, funcPackage(tt.fn), tt.fn)
		assert.Equal(t, tt.runtime, isRuntimeFunc(tt.fn), tt.fn)
	}
}

func FuzzGoroutineDumpDetail(f *testing.F) {
	names, err := filepath.Glob(filepath.Join("..", "testdata", "goroutines", "*.txt"))
	require.NoError(f, err)
	for _, name := range names {
		b, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(b, int64(-1))
		f.Add(b[:len(b)/3], int64(time.Minute))
	}
	lim := goroutineLimits{groups: 5, frames: 6, bytes: 8192}
	f.Fuzz(func(t *testing.T, dump []byte, longWait int64) {
		gs, _ := gostack.Parse(dump)
		lim := lim
		lim.longWait = time.Duration(longWait)
		d := &stackDump{goroutines: gs, total: len(gs)}
		rep := summarize(dumpProfile(gs), d, leakInput{}, lim)
		require.Equal(t, len(gs), rep.Total)
		require.Equal(t, len(gs), rep.Dump.Goroutines)
		for _, g := range rep.Groups {
			if g.Detail != nil {
				require.LessOrEqual(t, len(g.Detail.IDs), maxIDs)
				require.LessOrEqual(t, len(g.Detail.CreatedBy), maxCreators)
			}
		}
		w := rep.WaitingLong
		require.LessOrEqual(t, len(w.Places), lim.groups)
		sum := 0
		for _, p := range w.Places {
			sum += p.Count
		}
		if w.Omitted != nil {
			sum += w.Omitted.Goroutines
		}
		require.Equal(t, w.Goroutines, sum)

		var text bytes.Buffer
		require.NoError(t, rep.WriteText(&text))
		require.LessOrEqual(t, text.Len(), lim.bytes+2048, "text bounded by MaxBytes")
		for i, c := range text.Bytes() {
			if c < 0x20 && c != '\n' || c == 0x7f {
				t.Fatalf("raw control byte %#x at %d in text:\n%q", c, i, text.String())
			}
		}
		_, err := json.Marshal(rep)
		require.NoError(t, err)
	})
}

func TestGoroutinesDetailFrameLimit(t *testing.T) {
	parkDeepForTest(t, 30, 40)
	rep := collectGoroutines(t, Goroutines{DetailMax: 50})
	assert.Equal(t, "grouped", rep.Mode)
	assert.Regexp(t, `^\d+ goroutines, but [0-9,]+ frames in their stacks, more than the detail limit of 1,200: `, rep.ModeReason)
	rep = collectGoroutines(t, Goroutines{DetailMax: 500})
	assert.Equal(t, "detail", rep.Mode, "500 × 24 frames are enough")
}

// parkDeepForTest parks n goroutines at the bottom of a recursion depth
// calls deep until the test ends.
func parkDeepForTest(t *testing.T, n, depth int) {
	stop := make(chan struct{})
	var done sync.WaitGroup
	for range n {
		done.Go(func() { parkAtDepth(depth, stop) })
	}
	t.Cleanup(func() {
		close(stop)
		done.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if g := groupIn(collectGoroutines(t, Goroutines{DetailMax: -1}), testPkg+"parkAtDepth"); g != nil && g.Count == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines did not park within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStackDumpTruncated(t *testing.T) {
	parkGoroutines(t, 100)
	d := stackDumpInto(make([]byte, 4096))
	assert.True(t, d.truncated)
	assert.Equal(t, 4096, d.bytes)
	assert.NoError(t, d.parseErr, "the goroutine cut short is dropped, not parsed")
	assert.NotEmpty(t, d.goroutines)
	assert.Less(t, len(d.goroutines), 100)
	for _, g := range d.goroutines {
		assert.NotEmpty(t, g.Frames, "goroutine %d", g.ID)
	}

	d = takeStackDump(runtime.NumGoroutine())
	assert.False(t, d.truncated)
	assert.Greater(t, len(d.goroutines), 100)
	assert.Equal(t, len(d.goroutines)+1, d.total, "all but the goroutine that took the dump")
}
