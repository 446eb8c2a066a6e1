//go:build linux

package sections

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gmr-go/gmr/internal/procfs"
)

const testThreadName = "gmr-thr-test"

// startNamedThreads starts n goroutines, each locked to its own OS thread,
// which it names name and then blocks. It returns the threads' ids and a
// function that releases them; each goroutine then exits still locked, so
// its thread exits too.
func startNamedThreads(t *testing.T, n int, name string) (tids []int, release func()) {
	t.Helper()
	stop := make(chan struct{})
	ids := make(chan int)
	cname := append([]byte(name), 0)
	var released bool
	release = func() {
		if released {
			return
		}
		released = true
		close(stop)
		// Wait for the threads to exit, so that the next test starts clean.
		deadline := time.Now().Add(5 * time.Second)
		for _, tid := range tids {
			for time.Now().Before(deadline) {
				if _, err := procfs.Default.Self().Task(tid).Stat(); procfs.IsGone(err) {
					break
				}
				time.Sleep(time.Millisecond)
			}
		}
	}
	t.Cleanup(release)
	// start locks its goroutine to a thread other than the main one (which
	// cannot exit, and whose name is the process's), names it and parks.
	// It closes locked, if not nil, once locked.
	var start func(locked chan<- struct{})
	start = func(locked chan<- struct{}) {
		runtime.LockOSThread() // never unlocked off the main thread: the thread dies with the goroutine
		if locked != nil {
			close(locked)
		}
		if unix.Gettid() == os.Getpid() {
			// On the main thread. A new goroutine cannot run on it while
			// this one holds it, so it starts on another thread: hand
			// over, and let the main thread go once the new one holds its
			// own. (Waiting to be moved never ends with one P.)
			next := make(chan struct{})
			go start(next)
			<-next
			runtime.UnlockOSThread()
			return
		}
		err := unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&cname[0])), 0, 0, 0)
		if err != nil {
			ids <- -1
			return
		}
		ids <- unix.Gettid()
		<-stop
	}
	for range n {
		go start(nil)
	}
	for len(tids) < n {
		tid := <-ids
		if tid < 0 {
			t.Fatal("prctl(PR_SET_NAME) failed")
		}
		tids = append(tids, tid)
	}
	slices.Sort(tids)
	return tids, release
}

// threadsNamed returns the listed threads called name.
func threadsNamed(r *ThreadReport, name string) []Thread {
	var out []Thread
	for _, th := range r.Threads {
		if th.Name == name {
			out = append(out, th)
		}
	}
	return out
}

func tidsOf(threads []Thread) []int {
	tids := make([]int, len(threads))
	for i, th := range threads {
		tids[i] = th.TID
	}
	return tids
}

func TestThreadsNamedOSThreads(t *testing.T) {
	const n = 4
	all := Threads{MaxThreads: 100000}
	before := collectThreads(t, all)
	require.Empty(t, threadsNamed(before, testThreadName))
	beforeTIDs := tidsOf(before.Threads)

	tids, release := startNamedThreads(t, n, testThreadName)

	// A thread that has just named itself may still be on its way to
	// blocking; wait until all n are asleep.
	var during *ThreadReport
	require.Eventually(t, func() bool {
		// Locked, the collecting goroutine reads its own thread's stat
		// on that thread, which is then running; unlocked, it might move
		// to another thread between two reads, during a system call.
		runtime.LockOSThread()
		during = collectThreads(t, all)
		runtime.UnlockOSThread()
		named := threadsNamed(during, testThreadName)
		return len(named) == n && !slices.ContainsFunc(named, func(th Thread) bool { return th.State != "S" })
	}, 5*time.Second, 10*time.Millisecond, "want %d sleeping threads named %q", n, testThreadName)

	named := threadsNamed(during, testThreadName)
	assert.Equal(t, tids, tidsOf(named), "the named threads are the ones the goroutines ran on")
	for _, th := range named {
		assert.Equal(t, "sleeping", th.StateName)
		assert.GreaterOrEqual(t, th.CPU, 0)
		assert.GreaterOrEqual(t, th.User, time.Duration(0))
	}
	// Go never ends a thread but a locked goroutine's, so every thread
	// listed before is still there, and those the named goroutines needed
	// anew come on top.
	newThreads := 0
	for _, tid := range tids {
		if !slices.Contains(beforeTIDs, tid) {
			newThreads++
		}
	}
	assert.GreaterOrEqual(t, during.OSThreads, before.OSThreads+newThreads)
	assert.GreaterOrEqual(t, during.OSThreads, n+2, "n blocked threads, the one collecting, sysmon")
	assert.Equal(t, during.OSThreads, len(during.Threads)+during.Omitted+during.Unreadable)
	assert.Zero(t, during.Omitted)
	assert.Empty(t, during.Note)
	assert.GreaterOrEqual(t, during.States["sleeping"], n)
	assert.GreaterOrEqual(t, during.States["running"], 1, "the collecting thread is running")
	assert.Contains(t, tidsOf(during.Threads), os.Getpid(), "the main thread is listed")

	release()
	after := collectThreads(t, all)
	assert.Empty(t, threadsNamed(after, testThreadName), "the named threads exit with their goroutines")
	for _, tid := range tids {
		assert.NotContains(t, tidsOf(after.Threads), tid, "an exited thread is not listed")
	}
}

func TestThreadsMaxThreads(t *testing.T) {
	startNamedThreads(t, 3, testThreadName)
	tests := []struct {
		max      int
		wantList func(osThreads int) int
	}{
		{0, func(n int) int { return min(n, DefaultMaxThreads) }},
		{1, func(int) int { return 1 }},
		{2, func(int) int { return 2 }},
		{-1, func(int) int { return 0 }},
	}
	for _, tt := range tests {
		r := collectThreads(t, Threads{MaxThreads: tt.max})
		require.GreaterOrEqual(t, r.OSThreads, 5)
		assert.Len(t, r.Threads, tt.wantList(r.OSThreads), "MaxThreads %d", tt.max)
		assert.Equal(t, r.OSThreads, len(r.Threads)+r.Omitted+r.Unreadable, "MaxThreads %d", tt.max)
		listed := 0
		for _, c := range r.States {
			listed += c
		}
		assert.Equal(t, len(r.Threads), listed, "States counts the listed threads")
		assert.True(t, slices.IsSortedFunc(r.Threads, func(a, b Thread) int { return a.TID - b.TID }))
	}
}

var cannedProc = procfs.FS(filepath.Join("..", "testdata", "procfs", "proc"))

func TestReadThreadsCanned(t *testing.T) {
	const hz = 100
	tests := []struct {
		name           string
		max            int
		wantTIDs       []int
		wantOS         int
		wantOmitted    int
		wantUnreadable int
		wantStates     map[string]int
		wantNote       string
	}{
		{
			name: "all", max: 10,
			wantTIDs: []int{4242, 4243, 4244}, wantOS: 4, wantUnreadable: 1,
			wantStates: map[string]int{"sleeping": 1, "running": 1, "disk sleep": 1},
			wantNote: "thread 4245: procfs: parse ../testdata/procfs/proc/4242/task/4245/stat: truncated: 6 fields after the command name, want at least 37; " +
				`context switches missing: thread 4244: procfs: parse ../testdata/procfs/proc/4242/task/4244/status: line 58: voluntary_ctxt_switches "lots": invalid syntax`,
		},
		{
			name: "one", max: 1,
			wantTIDs: []int{4242}, wantOS: 5, wantOmitted: 4,
			wantStates: map[string]int{"sleeping": 1},
		},
		{
			name: "none", max: 0,
			wantTIDs: []int{}, wantOS: 5, wantOmitted: 5,
			wantStates: map[string]int{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &ThreadReport{States: map[string]int{}, Threads: []Thread{}, MaxThreads: tt.max}
			require.NoError(t, readThreads(context.Background(), cannedProc.Proc(4242), hz, r))
			assert.Equal(t, tt.wantTIDs, tidsOf(r.Threads))
			assert.Equal(t, tt.wantOS, r.OSThreads)
			assert.Equal(t, tt.wantOmitted, r.Omitted)
			assert.Equal(t, tt.wantUnreadable, r.Unreadable)
			assert.Equal(t, tt.wantStates, r.States)
			assert.Equal(t, tt.wantNote, r.Note)
		})
	}

	r := &ThreadReport{States: map[string]int{}, MaxThreads: 10}
	require.NoError(t, readThreads(context.Background(), cannedProc.Proc(4242), hz, r))
	assert.Equal(t, []Thread{
		{TID: 4242, Name: "server", State: "S", StateName: "sleeping", User: Millis(2500 * time.Millisecond), System: Millis(400 * time.Millisecond), CPU: 1,
			VoluntarySwitches: 120, InvoluntarySwitches: 7},
		{TID: 4243, Name: "evil\x1b]0;x\a\n", State: "R", StateName: "running", User: Millis(12340 * time.Millisecond), System: Millis(50 * time.Millisecond), CPU: 0,
			VoluntarySwitches: 3, InvoluntarySwitches: 4500},
		// Its status file is malformed: listed, without switches.
		{TID: 4244, Name: "io worker", State: "D", StateName: "disk sleep", User: Millis(30 * time.Millisecond), System: Millis(170 * time.Millisecond), CPU: 1},
	}, r.Threads)
}

func TestReadThreadsNoProc(t *testing.T) {
	r := &ThreadReport{States: map[string]int{}, Threads: []Thread{}, MaxThreads: 10, RuntimeThreads: 7}
	err := readThreads(context.Background(), procfs.FS(t.TempDir()).Self(), 100, r)
	require.NoError(t, err, "an unreadable /proc is a note, not an error")
	assert.Equal(t, 7, r.OSThreads, "falls back to the runtime's count")
	assert.Contains(t, r.Note, "no per-thread list: procfs: list threads: open ")
	assert.Contains(t, r.Note, "no such file or directory; os_threads is the Go runtime's count")
	assert.Empty(t, r.Threads)
}

func TestReadThreadsCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := &ThreadReport{States: map[string]int{}, Threads: []Thread{}, MaxThreads: 10}
	err := readThreads(ctx, cannedProc.Proc(4242), 100, r)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 5, r.OSThreads)
	assert.Equal(t, 5, r.Omitted, "unread threads are counted as omitted")
	assert.Equal(t, "listing stopped after 0 threads: context canceled", r.Note)
}

// TestThreadsPileUpInSyscalls blocks goroutines in read(2) on pipes, each
// holding an OS thread, and checks that the section calls it a pile-up
// and says why.
func TestThreadsPileUpInSyscalls(t *testing.T) {
	n := pileUpThreads(runtime.GOMAXPROCS(0)) + 8
	var writers []int
	done := make(chan struct{}, n)
	for range n {
		var p [2]int
		require.NoError(t, unix.Pipe2(p[:], unix.O_CLOEXEC))
		writers = append(writers, p[1])
		go func() {
			var b [1]byte
			unix.Read(p[0], b[:]) //nolint:errcheck // a blocking read: the point is to sit in the system call
			unix.Close(p[0])
			done <- struct{}{}
		}()
	}
	defer func() {
		for _, w := range writers {
			unix.Write(w, []byte{1}) //nolint:errcheck // releases the reader
			unix.Close(w)
		}
		for range n {
			<-done
		}
	}()

	var r *ThreadReport
	require.Eventually(t, func() bool {
		r = collectThreads(t, Threads{MaxThreads: -1})
		return r.Goroutines.InSyscallOrCgo >= uint64(n)
	}, 10*time.Second, 20*time.Millisecond, "want %d goroutines in system calls", n)
	assert.True(t, r.PileUp)
	assert.Greater(t, r.OSThreads, n)
	assert.True(t, strings.HasPrefix(r.Summary, fmt.Sprintf("THREAD PILE-UP: %d OS threads for GOMAXPROCS %d; ", r.OSThreads, r.GOMAXPROCS)), r.Summary)
	assert.True(t, strings.HasSuffix(r.Summary, "in system calls or cgo calls now, each holding a thread"), r.Summary)

	var buf bytes.Buffer
	require.NoError(t, r.WriteText(&buf))
	assert.Contains(t, buf.String(), "\nTHREAD PILE-UP: ")
}
