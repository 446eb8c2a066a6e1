package sections

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gmr-go/gmr/internal/textfmt"
)

// defaultMaxThreads is the number of threads listed when Threads.MaxThreads
// is zero.
const defaultMaxThreads = 256

// Threads is the "threads" section: the process's OS threads as the kernel
// sees them, with what the Go runtime knows about its own. Its zero value is
// ready to use.
//
// On Linux, Collect lists /proc/self/task and reads one small stat file per
// listed thread: each thread's id, name, scheduling state, user and system
// CPU time and the CPU it last ran on. It does not stop the world or signal
// any thread. It costs four system calls per listed thread, some 25 to
// 40 µs on a 2-core VM (more when the machine is busy): 0.2 ms for a
// service with a handful of threads, 3 to 4 ms with 100, about 10 ms at the
// default bound of 256, and 25 ms for 1,000 threads with the bound raised.
// A thread that exits between the listing and the read of its file is
// skipped. If /proc cannot be read at all, Collect still returns the
// runtime's figures, with ThreadReport.Note saying why the list is missing;
// it does not return an error for that.
//
// On other systems there is no per-thread list: Collect returns the
// runtime's figures and a Note.
//
// Collect is safe for concurrent use.
type Threads struct {
	// MaxThreads is the most threads listed one by one, lowest thread id
	// first; the rest are counted in ThreadReport.Omitted. Optional. Zero
	// means 256; a negative value lists none, leaving the counts only.
	MaxThreads int
}

// ThreadReport is the data of the threads section. It implements
// TextWriter.
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
	// are nanoseconds.
	User   time.Duration `json:"user"`
	System time.Duration `json:"system"`
	// CPU is the CPU the thread last ran on.
	CPU int `json:"cpu"`
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
		MaxThreads: t.maxThreads(),
	}
	if p := pprof.Lookup("threadcreate"); p != nil {
		r.ThreadsCreated = p.Count()
	}
	s := []metrics.Sample{{Name: "/sched/threads/total:threads"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		r.RuntimeThreads = int(min(s[0].Value.Uint64(), math.MaxInt32))
	}
	err := listOSThreads(ctx, r)
	return r, err
}

func (t Threads) maxThreads() int {
	switch {
	case t.MaxThreads == 0:
		return defaultMaxThreads
	case t.MaxThreads < 0:
		return 0
	}
	return t.MaxThreads
}

// WriteText writes r as a summary line, the runtime's figures, and a table
// of the listed threads.
func (r *ThreadReport) WriteText(w io.Writer) error {
	var buf bytes.Buffer
	if r == nil {
		buf.WriteString("(no thread data)\n")
	} else {
		r.writeText(&buf)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write thread report: %w", err)
	}
	return nil
}

func (r *ThreadReport) writeText(buf *bytes.Buffer) {
	fmt.Fprintf(buf, "%s (GOMAXPROCS %d, NumCPU %d)", textfmt.Plural(r.OSThreads, "OS thread"), r.GOMAXPROCS, r.NumCPU)
	if len(r.States) > 0 {
		buf.WriteString(" — ")
		if len(r.Threads) < r.OSThreads {
			fmt.Fprintf(buf, "of %s listed: ", textfmt.Commas(len(r.Threads)))
		}
		names := make([]string, 0, len(r.States))
		for name := range r.States {
			names = append(names, name)
		}
		slices.SortFunc(names, func(a, b string) int {
			return cmp.Or(cmp.Compare(r.States[b], r.States[a]), strings.Compare(a, b))
		})
		for i, name := range names {
			if i > 0 {
				buf.WriteString(", ")
			}
			fmt.Fprintf(buf, "%d %s", r.States[name], textfmt.Escape(name))
		}
	}
	buf.WriteString("\n")
	fmt.Fprintf(buf, "runtime_threads = %d\nthreads_created = %d\ncgo_calls = %d\n",
		r.RuntimeThreads, r.ThreadsCreated, r.CgoCalls)
	if r.Note != "" {
		fmt.Fprintf(buf, "note = %s\n", textfmt.Escape(r.Note))
	}
	if len(r.Threads) > 0 {
		buf.WriteString("\n")
		tw := tabwriter.NewWriter(buf, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "TID\tNAME\tSTATE\tUSER\tSYS\tCPU")
		for _, t := range r.Threads {
			fmt.Fprintf(tw, "%d\t%s\t%s %s\t%v\t%v\t%d\n", t.TID, textfmt.Escape(t.Name),
				textfmt.Escape(t.State), textfmt.Escape(t.StateName), t.User, t.System, t.CPU)
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
