package sections

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"time"

	"github.com/gmr-go/gmr/internal/textfmt"
)

// maxThreadCreateGroups and maxThreadCreateFrames bound the threadcreate
// profile's groups listed, and the frames shown of each.
const (
	maxThreadCreateGroups = 5
	maxThreadCreateFrames = 4
)

// Threads is the "threads" section: the process's OS threads as the kernel
// sees them, with what the Go runtime knows about its own. Its zero value is
// ready to use.
//
// Collect reads the Go runtime's scheduler metrics (runtime/metrics: the
// goroutines running, runnable, waiting and in system calls or cgo, the
// runtime's threads, scheduling latencies) and its threadcreate profile,
// grouped by stack. It sets ThreadReport.PileUp, and says so in Summary,
// when there are many more OS threads than GOMAXPROCS: goroutines blocked
// in system calls or cgo calls each hold a thread, and the runtime keeps
// every thread it has made.
//
// Collect also reads the time goroutines have waited on locks since the
// program started ("/sync/mutex/wait/total:seconds") and, in
// ThreadReport.Contention, gives it per second of uptime. When the mutex
// or block profile holds records (the service turned it on with
// runtime.SetMutexProfileFraction or runtime.SetBlockProfileRate), it
// writes and parses it (runtime/pprof's "mutex" and "block", which do not
// stop the world) for its top call sites; that grows with the distinct
// contended stacks the profile holds (BenchmarkContention measures it).
// A profile without records costs nothing to skip.
//
// On Linux, Collect also lists /proc/self/task and reads two small files
// per listed thread, stat and status: each thread's id, name, scheduling
// state, user and system CPU time, the CPU it last ran on, and its
// voluntary and involuntary context switches. It does not stop the world
// or signal any thread. It costs eight system calls per listed thread, so
// its time grows with the threads listed, up to MaxThreads
// (BenchmarkThreads measures it). A thread that exits between the listing and the read of its
// files is skipped. If /proc cannot be read at all, Collect still returns
// the runtime's figures, with ThreadReport.Note saying why the list is
// missing; it does not return an error for that.
//
// On other systems there is no per-thread list: Collect returns the
// runtime's figures and a Note.
//
// Collect is safe for concurrent use.
type Threads struct {
	// MaxThreads is the most threads listed one by one, lowest thread id
	// first; the rest are counted in ThreadReport.Omitted. Optional: zero
	// means DefaultMaxThreads, a negative value lists none (the counts
	// only).
	MaxThreads int
}

// ThreadReport is the data of the threads section. It implements
// report.TextWriter.
//
// On Linux, len(Threads) + Omitted + Unreadable == OSThreads.
type ThreadReport struct {
	// OSThreads is the number of OS threads in the process. On Linux it is
	// the kernel's count, from /proc/self/task, which includes threads
	// started by C code; elsewhere, or when /proc cannot be read, it is
	// RuntimeThreads, and Note says so.
	OSThreads int `json:"os_threads"`
	// GOMAXPROCS is runtime.GOMAXPROCS(0): how many threads may run Go
	// code at once.
	GOMAXPROCS int `json:"gomaxprocs"`
	// NumCPU is runtime.NumCPU(): the CPUs the process may run on.
	NumCPU int `json:"num_cpu"`
	// RuntimeThreads is the number of live threads the Go runtime owns
	// (runtime/metrics "/sched/threads/total:threads"), or 0 if the
	// runtime does not report it.
	RuntimeThreads int `json:"runtime_threads"`
	// ThreadsCreated is the number of threads the Go runtime has created,
	// from the "threadcreate" profile.
	ThreadsCreated int `json:"threads_created"`
	// CgoCalls is runtime.NumCgoCall(): the calls made from Go into C.
	CgoCalls int64 `json:"cgo_calls"`
	// Goroutines counts the goroutines by what they are doing.
	Goroutines GoroutineStates `json:"goroutines"`
	// SchedLatencies summarises, since the program started, how long
	// goroutines have waited runnable before they ran
	// ("/sched/latencies:seconds"): high figures mean too few Ps for the
	// work, or CPU throttling.
	SchedLatencies PauseSummary `json:"sched_latencies"`
	// ThreadCreate groups the threadcreate profile's records by stack,
	// most first (at most 5); ThreadCreateOmitted counts the records of
	// the groups left out. The runtime records a stack only when a
	// goroutine's own code made it start a thread; threads the scheduler
	// starts for itself have an empty stack (Go issue 6104).
	ThreadCreate        []ThreadCreateGroup `json:"thread_create"`
	ThreadCreateOmitted int                 `json:"thread_create_omitted"`
	// Contention is how long goroutines have waited on locks since the
	// program started, and the mutex and block profiles' top call sites
	// when the service turned them on; findings read its MutexWaitRate.
	Contention Contention `json:"contention"`
	// PileUp reports whether OS threads pile up: more than twice
	// GOMAXPROCS plus 16, a rule of thumb well above a healthy Go
	// program's count. Summary says so and what the goroutine states tell
	// of why.
	PileUp  bool   `json:"pile_up"`
	Summary string `json:"summary"`
	// MissingMetrics names, sorted, the runtime/metrics this Go release
	// did not provide; their fields are zero.
	MissingMetrics []string `json:"missing_metrics,omitempty"`
	// States counts the listed threads by state name ("sleeping": 10).
	// Omitted and unreadable threads are not counted.
	States map[string]int `json:"states"`
	// Threads lists the threads, in ascending order of thread id.
	Threads []Thread `json:"threads"`
	// Omitted is the number of threads not listed because of MaxThreads.
	Omitted int `json:"omitted"`
	// Unreadable is the number of threads whose files could not be read or
	// parsed for a reason other than the thread's exit; Note gives the first
	// such error.
	Unreadable int `json:"unreadable"`
	// MaxThreads is the bound Threads was collected with.
	MaxThreads int `json:"max_threads"`
	// Note explains missing data, such as why there is no per-thread list
	// on this system. It is empty when nothing is missing.
	Note string `json:"note,omitempty"`
}

// Thread is one OS thread.
type Thread struct {
	// TID is the kernel's thread id. The main thread's id is the process id.
	TID int `json:"tid"`
	// Name is the thread's name (its comm): the program's name, unless
	// the thread was renamed with prctl(PR_SET_NAME) or
	// pthread_setname_np. It may hold any byte but NUL.
	Name string `json:"name"`
	// State is the kernel's one-letter scheduling state: "R", "S", "D", ...
	State string `json:"state"`
	// StateName is State in words: "running", "sleeping", "disk sleep", ...
	StateName string `json:"state_name"`
	// User and System are the CPU time the thread has spent in user and
	// kernel mode, to the kernel's clock tick (usually 10 ms). In JSON they
	// are milliseconds.
	User   Millis `json:"user_ms"`
	System Millis `json:"system_ms"`
	// CPU is the CPU the thread last ran on.
	CPU int `json:"cpu"`
	// VoluntarySwitches counts the times the thread gave up the CPU to
	// wait (for I/O, a futex, a sleep); InvoluntarySwitches the times the
	// kernel took the CPU away from it. They are zero if its status file
	// could not be read.
	VoluntarySwitches   uint64 `json:"voluntary_switches"`
	InvoluntarySwitches uint64 `json:"involuntary_switches"`
}

// GoroutineStates counts goroutines by state, from runtime/metrics. The
// counts are approximate and need not add up to Total.
type GoroutineStates struct {
	// Total is the number of live goroutines, and Created the number
	// created since the program started.
	Total   uint64 `json:"total"`
	Created uint64 `json:"created"`
	// Running are executing Go code (at most GOMAXPROCS), Runnable are
	// ready but waiting for a P, Waiting are blocked on a channel, lock,
	// timer or network I/O.
	Running  uint64 `json:"running"`
	Runnable uint64 `json:"runnable"`
	Waiting  uint64 `json:"waiting"`
	// InSyscallOrCgo are running or blocked in a system call or a cgo
	// call: each holds an OS thread of its own.
	InSyscallOrCgo uint64 `json:"in_syscall_or_cgo"`
}

// ThreadCreateGroup is a stack of the threadcreate profile and the number
// of threads created there.
type ThreadCreateGroup struct {
	Count int `json:"count"`
	// Stack is the stack, innermost call first, cut to its first 4
	// frames; empty when the runtime recorded none.
	Stack []Frame `json:"stack"`
}

// The runtime/metrics Threads reads, in the order of threadMetricNames.
const (
	tThreads = iota
	tGoroutines
	tCreated
	tRunning
	tRunnable
	tWaiting
	tNotInGo
	tLatencies
	tMutexWait
	numThreadMetrics
)

var threadMetricNames = [numThreadMetrics]string{
	tThreads:    "/sched/threads/total:threads",
	tGoroutines: "/sched/goroutines:goroutines",
	tCreated:    "/sched/goroutines-created:goroutines",
	tRunning:    "/sched/goroutines/running:goroutines",
	tRunnable:   "/sched/goroutines/runnable:goroutines",
	tWaiting:    "/sched/goroutines/waiting:goroutines",
	tNotInGo:    "/sched/goroutines/not-in-go:goroutines",
	tLatencies:  "/sched/latencies:seconds",
	tMutexWait:  "/sync/mutex/wait/total:seconds",
}

// Name returns "threads".
func (Threads) Name() string { return "threads" }

// Collect returns a *ThreadReport. If ctx is done while threads are being
// read, it returns the report so far (with the unread threads counted in
// Omitted) together with ctx.Err().
func (t Threads) Collect(ctx context.Context) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &ThreadReport{
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		NumCPU:     runtime.NumCPU(),
		CgoCalls:   runtime.NumCgoCall(),
		States:     map[string]int{},
		Threads:    []Thread{},
		MaxThreads: bound(t.MaxThreads, DefaultMaxThreads),
	}
	r.addMetrics(readMetrics(threadMetricNames[:]...))
	r.addThreadCreate()
	r.addContention(ctx, time.Now())
	err := listOSThreads(ctx, r)
	r.summarize()
	return r, err
}

// addMetrics fills in r's runtime figures from samples, indexed as
// threadMetricNames.
func (r *ThreadReport) addMetrics(samples []metrics.Sample) {
	m := &metricValues{samples: samples}
	u := m.uint64
	r.RuntimeThreads = int(min(u(tThreads), math.MaxInt32))
	r.Goroutines = GoroutineStates{
		Total:          u(tGoroutines),
		Created:        u(tCreated),
		Running:        u(tRunning),
		Runnable:       u(tRunnable),
		Waiting:        u(tWaiting),
		InSyscallOrCgo: u(tNotInGo),
	}
	r.SchedLatencies = m.pauses(tLatencies)
	r.Contention.MutexWait = Millis(durationFromSeconds(m.float64(tMutexWait)))
	r.MissingMetrics = m.missingNames()
}

// addThreadCreate groups the threadcreate profile by stack. It reads the
// records with runtime.ThreadCreateProfile, which is far cheaper than
// writing and parsing the profile's proto form, and symbolizes each
// distinct stack once.
func (r *ThreadReport) addThreadCreate() {
	r.ThreadCreate = []ThreadCreateGroup{}
	records := threadCreateRecords()
	r.ThreadsCreated = len(records)
	byPCs := map[string]int{}
	for _, rec := range records {
		byPCs[pcsKey(rec.Stack())]++
	}
	groups := map[string]*ThreadCreateGroup{}
	var keys []string
	for pcs, n := range byPCs {
		frames := callerFrames(pcsFrames(pcsFromKey(pcs), 64))
		frames = frames[:min(len(frames), maxThreadCreateFrames)]
		var key strings.Builder
		for _, f := range frames {
			fmt.Fprintf(&key, "%s\x00%s\x00%d\x00", f.Function, f.File, f.Line)
		}
		g := groups[key.String()]
		if g == nil {
			g = &ThreadCreateGroup{Stack: frames}
			groups[key.String()] = g
			keys = append(keys, key.String())
		}
		g.Count += n
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(groups[b].Count, groups[a].Count), strings.Compare(a, b))
	})
	for i, k := range keys {
		if i < maxThreadCreateGroups {
			r.ThreadCreate = append(r.ThreadCreate, *groups[k])
		} else {
			r.ThreadCreateOmitted += groups[k].Count
		}
	}
}

// threadCreateRecords returns the threadcreate profile's records.
func threadCreateRecords() []runtime.StackRecord {
	n, _ := runtime.ThreadCreateProfile(nil)
	for {
		// Room for threads created meanwhile.
		records := make([]runtime.StackRecord, n+16)
		m, ok := runtime.ThreadCreateProfile(records)
		if ok {
			return records[:m]
		}
		n = m
	}
}

// pcsKey and pcsFromKey turn a stack of PCs into a map key and back.
func pcsKey(pcs []uintptr) string {
	b := make([]byte, 0, 8*len(pcs))
	for _, pc := range pcs {
		b = binary.LittleEndian.AppendUint64(b, uint64(pc))
	}
	return string(b)
}

func pcsFromKey(key string) []uintptr {
	pcs := make([]uintptr, len(key)/8)
	for i := range pcs {
		pcs[i] = uintptr(binary.LittleEndian.Uint64([]byte(key[8*i:])))
	}
	return pcs
}

// addNote adds a sentence to r.Note.
func (r *ThreadReport) addNote(s string) {
	if r.Note != "" {
		r.Note += "; "
	}
	r.Note += s
}

// pileUpThreads returns the OS thread count above which threads are said
// to pile up, for gomaxprocs.
func pileUpThreads(gomaxprocs int) int { return 2*gomaxprocs + 16 }

// summarize sets r.PileUp and r.Summary from the figures collected.
func (r *ThreadReport) summarize() {
	inSys := r.Goroutines.InSyscallOrCgo
	r.Summary = fmt.Sprintf("%s for GOMAXPROCS %d; %s in system calls or cgo calls now",
		textfmt.Plural(r.OSThreads, "OS thread"), r.GOMAXPROCS, textfmt.Plural(int(min(inSys, math.MaxInt32)), "goroutine"))
	if slices.Contains(r.MissingMetrics, threadMetricNames[tNotInGo]) {
		r.Summary = fmt.Sprintf("%s for GOMAXPROCS %d", textfmt.Plural(r.OSThreads, "OS thread"), r.GOMAXPROCS)
	}
	r.PileUp = r.OSThreads > pileUpThreads(r.GOMAXPROCS)
	if !r.PileUp {
		return
	}
	extra := uint64(max(r.OSThreads-r.GOMAXPROCS, 0))
	if 2*inSys >= extra {
		r.Summary = "THREAD PILE-UP: " + r.Summary + ", each holding a thread"
		return
	}
	r.Summary = fmt.Sprintf("THREAD PILE-UP: %s; the other threads are idle, left from an earlier pile-up "+
		"(the runtime keeps the threads it makes: %s so far), or held by runtime.LockOSThread", r.Summary, textfmt.Commas(r.ThreadsCreated))
}

// WriteText writes r as a summary line, the runtime's figures, and a table
// of the listed threads.
func (r *ThreadReport) WriteText(w io.Writer) error {
	return writeBuffered(w, "thread", r == nil, func(buf *bytes.Buffer) { r.writeText(buf) })
}

func (r *ThreadReport) writeText(buf *bytes.Buffer) {
	fmt.Fprintf(buf, "%s (GOMAXPROCS %d, NumCPU %d)", textfmt.Plural(r.OSThreads, "OS thread"), r.GOMAXPROCS, r.NumCPU)
	if len(r.States) > 0 {
		buf.WriteString(" — ")
		if len(r.Threads) < r.OSThreads {
			fmt.Fprintf(buf, "of %s listed: ", textfmt.Commas(len(r.Threads)))
		}
		buf.WriteString(countsText(r.States))
	}
	buf.WriteString("\n")
	if r.PileUp {
		fmt.Fprintf(buf, "%s\n", textfmt.Escape(r.Summary))
	}
	g := r.Goroutines
	fmt.Fprintf(buf, "goroutines: %s — %s running, %s runnable, %s waiting, %s in system calls or cgo; %s created\n",
		commas64(g.Total), commas64(g.Running), commas64(g.Runnable), commas64(g.Waiting), commas64(g.InSyscallOrCgo), commas64(g.Created))
	fmt.Fprintf(buf, "runtime_threads = %d\nthreads_created = %d\ncgo_calls = %d\n",
		r.RuntimeThreads, r.ThreadsCreated, r.CgoCalls)
	l := r.SchedLatencies
	fmt.Fprintf(buf, "sched_latencies: count = %s, p50 = %v, p90 = %v, p99 = %v, max = %v\n",
		commas64(l.Count), l.P50, l.P90, l.P99, l.Max)
	if len(r.MissingMetrics) > 0 {
		fmt.Fprintf(buf, "missing_metrics = [%s]\n", strings.Join(r.MissingMetrics, ", "))
	}
	if r.Note != "" {
		fmt.Fprintf(buf, "note = %s\n", textfmt.Escape(r.Note))
	}
	r.Contention.writeText(buf)
	if len(r.ThreadCreate) > 0 {
		buf.WriteString("thread_create (threads the runtime made, by stack):\n")
		for _, g := range r.ThreadCreate {
			stack := "(no stack: started by the runtime's scheduler)"
			if len(g.Stack) > 0 {
				stack = framesLine(g.Stack)
			}
			fmt.Fprintf(buf, "  %5d  %s\n", g.Count, stack)
		}
		if r.ThreadCreateOmitted > 0 {
			fmt.Fprintf(buf, "  %5d  (in other stacks)\n", r.ThreadCreateOmitted)
		}
	}
	if len(r.Threads) > 0 {
		buf.WriteString("\n")
		tw := newTable(buf)
		fmt.Fprintln(tw, "TID\tNAME\tSTATE\tUSER\tSYS\tCPU\tVOL\tINVOL")
		for _, t := range r.Threads {
			fmt.Fprintf(tw, "%d\t%s\t%s %s\t%v\t%v\t%d\t%d\t%d\n", t.TID, textfmt.Escape(t.Name),
				textfmt.Escape(t.State), textfmt.Escape(t.StateName), t.User, t.System, t.CPU,
				t.VoluntarySwitches, t.InvoluntarySwitches)
		}
		tw.Flush()
	}
	if r.Omitted > 0 {
		fmt.Fprintf(buf, "... %s not listed (max_threads = %d)\n", textfmt.Plural(r.Omitted, "thread"), r.MaxThreads)
	}
	if r.Unreadable > 0 {
		fmt.Fprintf(buf, "... %s could not be read\n", textfmt.Plural(r.Unreadable, "thread"))
	}
}

// commas64 formats n with thousands separators.
func commas64(n uint64) string {
	return textfmt.Commas(int(min(n, math.MaxInt)))
}
