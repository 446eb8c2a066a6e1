package sections

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// frames builds a stack, innermost call first, from function names.
func frames(fns ...string) []Frame {
	out := make([]Frame, len(fns))
	for i, fn := range fns {
		out[i] = Frame{Function: fn}
	}
	return out
}

// TestStackState checks the inference on the stacks the Go 1.26 and 1.27
// runtimes write in the goroutine profile (as testdata/goroutinechild and
// TestStackStateMatchesDump see them).
func TestStackState(t *testing.T) {
	for _, tt := range []struct {
		state string
		stack string // innermost first, space separated
	}{
		{"chan receive", "runtime.gopark runtime.chanrecv runtime.chanrecv1 main.worker"},
		{"chan receive", "runtime.gopark runtime.chanrecv runtime.chanrecv2 main.worker"},
		{"chan send", "runtime.gopark runtime.chansend runtime.chansend1 main.worker"},
		{"select", "runtime.gopark runtime.selectgo main.worker"},
		{"select (no cases)", "runtime.gopark runtime.block main.worker"},
		{"sync.Mutex.Lock", "runtime.gopark runtime.goparkunlock runtime.semacquire1 internal/sync.runtime_SemacquireMutex internal/sync.(*Mutex).lockSlow internal/sync.(*Mutex).Lock sync.(*Mutex).Lock main.worker"},
		{"sync.Mutex.Lock", "runtime.gopark runtime.goparkunlock runtime.semacquire1 internal/sync.runtime_SemacquireMutex internal/sync.(*Mutex).lockSlow internal/sync.(*Mutex).Lock sync.(*Mutex).Lock sync.(*RWMutex).Lock main.worker"},
		{"sync.RWMutex.RLock", "runtime.gopark runtime.goparkunlock runtime.semacquire1 sync.runtime_SemacquireRWMutexR sync.(*RWMutex).RLock main.worker"},
		{"sync.RWMutex.Lock", "runtime.gopark runtime.goparkunlock runtime.semacquire1 sync.runtime_SemacquireRWMutex sync.(*RWMutex).Lock main.worker"},
		{"sync.WaitGroup.Wait", "runtime.gopark runtime.goparkunlock runtime.semacquire1 sync.runtime_SemacquireWaitGroup sync.(*WaitGroup).Wait main.worker"},
		{"sync.Cond.Wait", "runtime.gopark runtime.goparkunlock sync.runtime_notifyListWait sync.(*Cond).Wait main.worker"},
		{"semacquire", "runtime.gopark runtime.goparkunlock runtime.semacquire1 sync.runtime_Semacquire main.worker"},
		{"semacquire", "runtime.gopark runtime.goparkunlock runtime.semacquire1 internal/poll.runtime_Semacquire internal/poll.(*fdMutex).rwlock main.worker"},
		{"IO wait", "runtime.gopark runtime.netpollblock internal/poll.runtime_pollWait internal/poll.(*pollDesc).wait internal/poll.(*FD).Read net.(*netFD).Read main.worker"},
		{"sleep", "runtime.gopark time.Sleep main.worker"},
		{"syscall", "syscall.Syscall syscall.read syscall.Read main.worker"},
		{"syscall", "syscall.Syscall6 syscall.wait4 main.worker"},
		{"syscall", "golang.org/x/sys/unix.Syscall golang.org/x/sys/unix.read main.worker"},
		{"syscall", "syscall.syscall syscall.read main.worker"}, // darwin's libc calls
		{"syscall", "runtime.cgocall main._Cfunc_sleep main.worker"},
		{"syscall", "runtime.notetsleepg os/signal.signal_recv os/signal.loop"},
		{"running", "syscall.RawSyscall6 main.worker"}, // the runtime is not told
		{"running", "runtime.goroutineProfileWithLabels runtime/pprof.writeGoroutine main.main"},
		{"running", "main.spin"},
		{"unknown", "runtime.gopark main.parkedSomehow"},
		{"unknown", ""},
		{"finalizer wait", "runtime.gopark runtime.runFinalizers"},
		{"GC worker (idle)", "runtime.gopark runtime.gcBgMarkWorker"},
		{"coroutine", "runtime.coroswitch iter.Pull[...].func2"},
		// What frames cannot tell: a nil channel is a channel.
		{"chan receive", "runtime.gopark runtime.chanrecv runtime.chanrecv1 main.nilChan"},
	} {
		var fns []string
		if tt.stack != "" {
			fns = strings.Split(tt.stack, " ")
		}
		assert.Equal(t, tt.state, stackState(frames(fns...)), tt.stack)
	}
}

// TestWaitFuncsNameRuntimeStates checks that every state the inference
// gives is one the runtime prints, or one of its own statuses.
func TestWaitFuncsNameRuntimeStates(t *testing.T) {
	known := map[string]bool{
		"chan receive": true, "chan send": true, "select": true, "select (no cases)": true, "sleep": true,
		"IO wait": true, "sync.Mutex.Lock": true, "sync.RWMutex.RLock": true, "sync.RWMutex.Lock": true,
		"sync.WaitGroup.Wait": true, "sync.Cond.Wait": true, "semacquire": true, "GC assist wait": true,
		"wait for GC cycle": true, "synctest.Run": true, "synctest.Wait": true, "finalizer wait": true,
		"cleanup wait": true, "GC worker (idle)": true, "GC sweep wait": true, "GC scavenge wait": true,
		"force gc (idle)": true, "GOMAXPROCS updater (idle)": true, "trace reader (blocked)": true,
		"GC weak to strong wait": true, "panicwait": true,
	}
	for fn, state := range waitFuncs {
		assert.True(t, known[state], "%s: %q is not a wait reason of runtime2.go", fn, state)
	}
}

func TestShortFuncAndWhere(t *testing.T) {
	for fn, want := range map[string]string{
		"net/http.(*Server).Serve":                   "http.(*Server).Serve",
		"main.handler":                               "main.handler",
		"github.com/a/b/pkg.(*T).M.func1":            "pkg.(*T).M.func1",
		"example.com/m.F[go.shape.*example.com/n.T]": "m.F[go.shape.*example.com/n.T]",
		"0x4f00": "0x4f00",
	} {
		assert.Equal(t, want, shortFunc(fn), fn)
	}
	for _, tt := range []struct{ stack, where string }{
		{"runtime.gopark runtime.chanrecv runtime.chanrecv1 main.worker main.main", "main.worker"},
		{"runtime.gopark time.Sleep github.com/x/y.poll", "github.com/x/y.poll"},
		{"runtime.gopark runtime.netpollblock internal/poll.runtime_pollWait net.(*conn).Read bufio.(*Reader).Read net/http.(*conn).serve", "net/http.(*conn).serve"},
		{"runtime.gopark runtime.forcegchelper", "runtime.forcegchelper"},
		{"runtime.gopark runtime.chanrecv main.a runtime.goexit", "main.a"},
	} {
		assert.Equal(t, tt.where, wherePlace(frames(strings.Split(tt.stack, " ")...)).Function, tt.stack)
	}
}

// TestWriteGroupStateAndPlaces shows in text what the JSON has beside the
// dump's states: a state the stack implies that differs, and the entry and
// place when the frames shown stop before them.
func TestWriteGroupStateAndPlaces(t *testing.T) {
	g := GoroutineGroup{
		Count: 2, State: "runnable", StateSource: "dump", InferredState: "chan receive", Where: "main.deep",
		Origin: &GoroutineOrigin{Entry: "main.main.func1", CreatedIn: "main.main"},
		Frames: frames("runtime.gopark", "runtime.chanrecv"), FramesOmitted: 70,
		Detail: &GoroutineDetail{Goroutines: 2, States: []GoroutineState{{State: "runnable", Count: 2}}, IDs: []int64{5, 6}},
	}
	var buf bytes.Buffer
	writeGroup(&buf, &g, "")
	assert.Equal(t, "2 goroutines\n"+
		"  state: runnable\n"+
		"  its stack says: chan receive\n"+
		"  ids: 5, 6\n"+
		"  created by main.main (from the stack)\n"+
		"  where: main.deep (past the frames shown)\n"+
		"  entered in: main.main.func1 (past the frames shown)\n"+
		"    runtime.gopark\n"+
		"    runtime.chanrecv\n"+
		"    ... 70 more frames\n", buf.String())

	// When they agree, and the frames show both, none of those lines.
	g.InferredState, g.State = "runnable", "runnable"
	g.Frames = frames("runtime.gopark", "runtime.chanrecv", "main.deep", "main.main.func1")
	g.FramesOmitted = 0
	buf.Reset()
	writeGroup(&buf, &g, "")
	assert.NotContains(t, buf.String(), "its stack says")
	assert.NotContains(t, buf.String(), "past the frames shown")
}
