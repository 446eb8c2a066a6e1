package sections

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Thresholds are the levels past which a figure of a report is a finding.
// Their names in text form (ParseThresholds) are the vocabulary that the
// findings section and gmr's incident triggers share: fds, memory, pids,
// goroutines, pileup, gc_cpu, sched_p99, threads.
//
// Every field is optional: zero means its default (the Default*
// constants), and a negative value turns its rule off.
type Thresholds struct {
	// FDs is the share of the open-file limit (RLIMIT_NOFILE, soft) in
	// use past which fds_near_limit is a warning: 0.8 is 80%. Text name
	// "fds".
	FDs float64
	// Memory is the share of a memory limit in use, the cgroup's or
	// GOMEMLIMIT, past which memory_near_limit is a warning. Text name
	// "memory".
	Memory float64
	// Pids is the share of the cgroup's pids limit in use past which
	// pids_near_limit is a warning. Text name "pids".
	Pids float64
	// Goroutines is the goroutine count past which goroutines_high is a
	// warning. Text name "goroutines".
	Goroutines int
	// Pileup is the share of all goroutines in one stack past which that
	// stack is a goroutine_pileup, when it holds at least
	// MinPileupGoroutines. Text name "pileup".
	Pileup float64
	// GCCPU is the share of the CPU available to the program spent in
	// the garbage collector past which gc_cpu_high is a warning. Text
	// name "gc_cpu".
	GCCPU float64
	// SchedP99 is the 99th percentile of the time goroutines waited to
	// run, since the program started, past which sched_latency_high is a
	// warning. Text name "sched_p99".
	SchedP99 time.Duration
	// Threads is the OS thread count past which threads_high is a
	// warning. Text name "threads".
	Threads int
	// Heap is the heap in use (HeapReport.HeapInUseBytes) past which
	// heap_high is a warning. It has no default: zero is off. Text name
	// "heap", in bytes with an optional unit: "2GiB", "512MiB", "1e9".
	Heap uint64
	// MutexWait is how many goroutines, on average since the program
	// started, may wait on locks at once (ThreadReport's
	// Contention.MutexWaitRate, seconds of waiting per second) before
	// lock_contention is a warning. Text name "mutex_wait".
	MutexWait float64
	// GoroutineGrowth is how many times its moving baseline the goroutine
	// count must reach for goroutine_growth, which only gmr's threshold
	// watcher can see: a report is one moment. It has no default: zero
	// is off. Text name "goroutine_growth": "2x" or "2".
	GoroutineGrowth float64
}

// The default thresholds.
const (
	DefaultFDsThreshold        = 0.8
	DefaultMemoryThreshold     = 0.9
	DefaultPidsThreshold       = 0.9
	DefaultGoroutinesThreshold = 100_000
	DefaultPileupThreshold     = 0.5
	DefaultGCCPUThreshold      = 0.25
	DefaultSchedP99Threshold   = 50 * time.Millisecond
	DefaultThreadsThreshold    = 1_000
	DefaultMutexWaitThreshold  = 1.0
)

// MinPileupGoroutines is the fewest goroutines in one stack that make a
// goroutine_pileup, so that a small program, most of whose goroutines are
// in one worker pool, has none.
const MinPileupGoroutines = 100

// goMaxThreads is the Go runtime's default limit on OS threads
// (runtime/debug.SetMaxThreads): a program that needs more crashes.
const goMaxThreads = 10_000

// withDefaults returns t with the defaults filled in for zero fields.
func (t Thresholds) withDefaults() Thresholds {
	t.FDs = boundFloat(t.FDs, DefaultFDsThreshold)
	t.Memory = boundFloat(t.Memory, DefaultMemoryThreshold)
	t.Pids = boundFloat(t.Pids, DefaultPidsThreshold)
	t.Goroutines = bound(t.Goroutines, DefaultGoroutinesThreshold)
	t.Pileup = boundFloat(t.Pileup, DefaultPileupThreshold)
	t.GCCPU = boundFloat(t.GCCPU, DefaultGCCPUThreshold)
	if t.SchedP99 == 0 {
		t.SchedP99 = DefaultSchedP99Threshold
	}
	t.Threads = bound(t.Threads, DefaultThreadsThreshold)
	if t.MutexWait == 0 {
		t.MutexWait = DefaultMutexWaitThreshold
	} else if t.MutexWait < 0 {
		t.MutexWait = math.NaN()
	}
	return t
}

// boundFloat is bound for a share: zero is the default, a negative value is
// off (NaN, so that every comparison with it is false).
func boundFloat(v, def float64) float64 {
	switch {
	case v == 0:
		return def
	case v < 0 || math.IsNaN(v):
		return math.NaN()
	}
	return v
}

// ParseThresholds parses thresholds in the form GMR_THRESHOLDS takes:
// comma-separated name=value pairs, such as
// "fds=80%,memory=90%,goroutines=20000,goroutine_growth=2x,heap=2GiB,gc_cpu=25%,sched_p99=50ms".
// A share is a percentage ("80%") or a fraction ("0.8"); a count is an
// integer; a size is bytes with an optional unit (KiB, MiB, GiB, TiB, or
// KB, MB, GB, TB); a growth is a factor above 1 ("2x"); a duration is in
// time.ParseDuration's form; "off" turns a rule off. Names not given keep
// their zero value, so their defaults. The error names the pair that is
// wrong.
func ParseThresholds(s string) (Thresholds, error) {
	var t Thresholds
	var errs []error
	seen := map[string]bool{}
	for pair := range strings.SplitSeq(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, value, ok := strings.Cut(pair, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || value == "" {
			errs = append(errs, fmt.Errorf("threshold %q: want name=value", pair))
			continue
		}
		if seen[name] {
			errs = append(errs, fmt.Errorf("threshold %q: %s given twice", pair, name))
			continue
		}
		seen[name] = true
		if err := t.set(name, value); err != nil {
			errs = append(errs, fmt.Errorf("threshold %q: %w", pair, err))
		}
	}
	return t, errors.Join(errs...)
}

// thresholdNames are the text names of the thresholds, in the order the
// documentation lists them.
var thresholdNames = []string{"fds", "memory", "pids", "goroutines", "goroutine_growth", "pileup", "heap", "gc_cpu", "sched_p99", "threads", "mutex_wait"}

func (t *Thresholds) set(name, value string) error {
	off := value == "off"
	var err error
	switch name {
	case "fds":
		t.FDs, err = parseShare(value, off)
	case "memory":
		t.Memory, err = parseShare(value, off)
	case "pids":
		t.Pids, err = parseShare(value, off)
	case "pileup":
		t.Pileup, err = parseShare(value, off)
	case "gc_cpu":
		t.GCCPU, err = parseShare(value, off)
	case "goroutines":
		t.Goroutines, err = parseCount(value, off)
	case "threads":
		t.Threads, err = parseCount(value, off)
	case "sched_p99":
		if off {
			t.SchedP99 = -1
			return nil
		}
		t.SchedP99, err = time.ParseDuration(value)
		if err == nil && t.SchedP99 <= 0 {
			err = errors.New("want a positive duration")
		}
	case "mutex_wait":
		if off {
			t.MutexWait = -1
			return nil
		}
		t.MutexWait, err = strconv.ParseFloat(value, 64)
		if err != nil || !(t.MutexWait > 0) || math.IsInf(t.MutexWait, 0) {
			t.MutexWait, err = 0, errors.New("want a positive number of goroutines waiting, such as 1 or 0.5")
		}
	case "heap":
		if off {
			t.Heap = 0
			return nil
		}
		t.Heap, err = parseSize(value)
	case "goroutine_growth":
		if off {
			t.GoroutineGrowth = 0
			return nil
		}
		t.GoroutineGrowth, err = parseGrowth(value)
	default:
		return fmt.Errorf("unknown threshold %q (known: %s)", name, strings.Join(thresholdNames, ", "))
	}
	return err
}

// parseShare parses "80%" or "0.8" as 0.8: more than 0, at most 1.
func parseShare(s string, off bool) (float64, error) {
	if off {
		return -1, nil
	}
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		return 0, errors.New("want a percentage (80%) or a fraction (0.8)")
	}
	if pct {
		v /= 100
	}
	if !(v > 0 && v <= 1) {
		return 0, errors.New("want a share above 0% and at most 100%")
	}
	return v, nil
}

// parseCount parses a positive count.
func parseCount(s string, off bool) (int, error) {
	if off {
		return -1, nil
	}
	n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
	if err != nil || n <= 0 {
		return 0, errors.New("want a positive whole number")
	}
	return n, nil
}

// sizeUnits are the units parseSize knows, longest first within a prefix.
var sizeUnits = []struct {
	suffix string
	mult   float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"B", 1},
}

// parseSize parses a positive size in bytes, with an optional unit.
func parseSize(s string) (uint64, error) {
	mult := 1.0
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v*mult >= 1) || v*mult > math.MaxInt64 {
		return 0, errors.New("want a size such as 2GiB, 512MiB or 1000000")
	}
	return uint64(v * mult), nil
}

// parseGrowth parses a factor above 1: "2x", "1.5".
func parseGrowth(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "x"), 64)
	if err != nil || !(v > 1) || math.IsInf(v, 0) {
		return 0, errors.New("want a factor above 1, such as 2x")
	}
	return v, nil
}
