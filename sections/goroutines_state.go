package sections

import "strings"

// The values of GoroutineGroup.StateSource.
const (
	stateFromDump  = "dump"
	stateFromStack = "stack"
)

// States stackState gives when the frames do not name a wait reason.
const (
	// stateRunning is a goroutine not parked: running, runnable, or in a
	// call the runtime does not count as a system call.
	stateRunning = "running"
	// stateUnknown is a goroutine parked for a reason its frames do not
	// tell, or with no frames.
	stateUnknown = "unknown"
	// stateSyscall is the runtime's name for a goroutine in a system call
	// or a cgo call.
	stateSyscall = "syscall"
)

// parkFuncs are the functions a parked goroutine's stack starts with: the
// runtime's park, which records the wait reason.
var parkFuncs = map[string]bool{
	"runtime.gopark":       true,
	"runtime.goparkunlock": true,
}

// waitFuncs name the wait reason of a goroutine parked under them, as the
// runtime names it in a stack dump (waitReasonStrings in
// runtime/runtime2.go, the same in Go 1.26 and 1.27): the function is the
// one that passes that reason to gopark or semacquire1. The innermost one
// on a stack wins.
var waitFuncs = map[string]string{
	"runtime.chanrecv":     "chan receive", // also a nil channel's: see stackState
	"runtime.chansend":     "chan send",
	"runtime.selectgo":     "select",
	"runtime.block":        "select (no cases)",
	"time.Sleep":           "sleep",
	"runtime.gcParkAssist": "GC assist wait",
	"runtime.gcWaitOnMark": "wait for GC cycle",

	"internal/poll.runtime_pollWait": "IO wait",

	"internal/sync.runtime_SemacquireMutex": "sync.Mutex.Lock",
	"sync.runtime_SemacquireMutex":          "sync.Mutex.Lock", // before Go 1.24
	"sync.runtime_SemacquireRWMutexR":       "sync.RWMutex.RLock",
	"sync.runtime_SemacquireRWMutex":        "sync.RWMutex.Lock",
	"sync.runtime_SemacquireWaitGroup":      "sync.WaitGroup.Wait", // Go 1.25 on; before, "semacquire"
	"sync.runtime_notifyListWait":           "sync.Cond.Wait",
	"sync.runtime_Semacquire":               "semacquire",
	"internal/poll.runtime_Semacquire":      "semacquire",
	"runtime.semacquire":                    "semacquire",

	"internal/synctest.Run":  "synctest.Run",
	"internal/synctest.Wait": "synctest.Wait",

	"runtime.runFinalizers":           "finalizer wait",
	"runtime.runfinq":                 "finalizer wait", // before Go 1.25
	"runtime.(*cleanupQueue).dequeue": "cleanup wait",
	"runtime.gcBgMarkWorker":          "GC worker (idle)",
	"runtime.bgsweep":                 "GC sweep wait",
	"runtime.(*scavengerState).park":  "GC scavenge wait",
	"runtime.(*scavengerState).sleep": "sleep",
	"runtime.forcegchelper":           "force gc (idle)",
	"runtime.updateMaxProcsGoroutine": "GOMAXPROCS updater (idle)",
	"runtime.ReadTrace":               "trace reader (blocked)",
	"runtime.gcParkStrongFromWeak":    "GC weak to strong wait",
	"runtime.main":                    "panicwait",
}

// stackState infers a goroutine's state from its stack, innermost call
// first, as the runtime would name it in a stack dump:
//
//   - a goroutine parked in runtime.gopark has the wait reason of the
//     innermost function of waitFuncs on its stack ("chan receive",
//     "sync.Mutex.Lock", "IO wait", "sleep", ...), or "unknown" if none is;
//   - one whose stack starts in a system call that the runtime enters
//     (syscall.Syscall, runtime.cgocall, ...) is in "syscall";
//   - any other is "running": running or runnable when the profile was
//     taken.
//
// What frames cannot tell, the names differ in: a receive from or send to
// a nil channel shows as "chan receive" or "chan send" (the dump says
// "chan receive (nil chan)"), and a wait inside a testing/synctest bubble
// without its " (durable)" mark.
func stackState(frames []Frame) string {
	if len(frames) == 0 {
		return stateUnknown
	}
	if inSyscall(frames[0].Function) {
		return stateSyscall
	}
	if frames[0].Function == "runtime.coroswitch" {
		return "coroutine" // parked by mcall, not gopark
	}
	if !parkFuncs[frames[0].Function] {
		return stateRunning
	}
	for _, f := range frames[1:] {
		if s, ok := waitFuncs[f.Function]; ok {
			return s
		}
	}
	return stateUnknown
}

// inSyscall reports whether a stack whose innermost call is fn is in a
// system call the runtime knows of (one that calls entersyscall): for such
// a goroutine the profile's stack starts at the call that entered it.
func inSyscall(fn string) bool {
	switch fn {
	case "runtime.cgocall", "runtime.asmcgocall", "runtime.notetsleepg":
		// notetsleepg enters a blocking system call (os/signal's
		// signal_recv waits in it).
		return true
	}
	pkg := funcPackage(fn)
	switch pkg {
	case "syscall", "golang.org/x/sys/unix", "golang.org/x/sys/windows", "internal/syscall/unix", "internal/syscall/windows":
	default:
		return false
	}
	name := fn[len(pkg)+1:]
	// Syscall, Syscall6, SyscallN, and darwin's syscall, syscall6, ...;
	// not RawSyscall, which does not tell the runtime.
	return strings.HasPrefix(name, "Syscall") || strings.HasPrefix(name, "syscall")
}

// baseState is a state without the marks that frames cannot tell: " (leaked)",
// " (durable)", " (nil chan)".
func baseState(s string) string {
	for _, mark := range []string{" (leaked)", " (durable)", " (nil chan)"} {
		s = strings.TrimSuffix(s, mark)
	}
	return s
}
