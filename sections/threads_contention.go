package sections

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gmr-go/gmr/internal/procfs"
)

// maxContentionSites is the most call sites listed of each contention
// profile, and maxContentionCallers the callers kept of each.
const (
	maxContentionSites   = 10
	maxContentionCallers = 3
)

// The lines that say how to turn a contention profile on.
const (
	enableMutexProfile = "runtime.SetMutexProfileFraction(100) turns it on, recording 1 in 100 contention events"
	enableBlockProfile = "runtime.SetBlockProfileRate(1000000) turns it on, recording about one blocking event per millisecond blocked"
)

// Contention is how long goroutines have waited on each other: always the
// runtime's running total of time spent waiting on locks, and, when the
// service enabled them, the mutex and block profiles' top call sites.
type Contention struct {
	// MutexWait is the time goroutines have spent blocked on a sync.Mutex,
	// a sync.RWMutex or a runtime-internal lock since the program started
	// ("/sync/mutex/wait/total:seconds", the runtime's estimate, kept
	// whether or not a profile is on). In JSON it is milliseconds.
	MutexWait Millis `json:"mutex_wait_total_ms"`
	// Uptime is how long the process has run: since its start time in
	// /proc on Linux, and since gmr's initialisation elsewhere.
	Uptime Millis `json:"uptime_ms"`
	// MutexWaitRate is MutexWait per second of Uptime: how many goroutines,
	// on average, were waiting on a lock at any moment. 0.5 means half a
	// goroutine's time; above 1, several waited at once.
	MutexWaitRate float64 `json:"mutex_wait_rate"`
	// Mutex is the mutex profile (runtime.SetMutexProfileFraction): where
	// goroutines held a contended lock, each site charged with the time
	// others waited for the unlock it made.
	Mutex ContentionProfile `json:"mutex_profile"`
	// Block is the block profile (runtime.SetBlockProfileRate): where
	// goroutines blocked, on locks, channels, selects and sync.Cond, and
	// for how long.
	Block ContentionProfile `json:"block_profile"`
	// Note says why a figure is missing or approximate.
	Note string `json:"note,omitempty"`
}

// ContentionProfile is what the mutex or block profile holds.
type ContentionProfile struct {
	// Enabled reports whether the profile is on. The mutex profile's rate
	// can be read (runtime.SetMutexProfileFraction(-1)); the block
	// profile's cannot, so it counts as on when it holds records
	// (runtime.BlockProfile), and a block profile that is on but has
	// recorded nothing yet reads as off.
	Enabled bool `json:"enabled"`
	// Rate is the mutex profile's fraction: on average 1 in Rate
	// contention events is recorded. It is 0 when the profile is off, and
	// for the block profile, whose rate cannot be read.
	Rate int `json:"rate,omitempty"`
	// Delay and Count are the time waited and the waits over all the
	// profile's samples, scaled by the runtime for its sampling.
	Delay Millis `json:"delay_ms"`
	Count int64  `json:"count"`
	// Sites are the call sites with the longest waits, longest first, at
	// most 10; SitesOmitted counts the sites left out. A profile that was
	// turned off keeps what it had recorded, so there may be sites when
	// Enabled is false.
	Sites        []ContentionSite `json:"sites"`
	SitesOmitted int              `json:"sites_omitted"`
	// Enable says how to turn the profile on; it is empty when it is on.
	Enable string `json:"enable,omitempty"`
	// Note says why the profile could not be read.
	Note string `json:"note,omitempty"`
}

// ContentionSite is a function whose calls waited, or made others wait.
type ContentionSite struct {
	// Function is the first function of the stack outside the runtime and
	// package sync (the innermost frame if all are theirs), and File and
	// Line where in it the heaviest of its stacks waited.
	Function string `json:"function"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	// Op is the runtime or sync call it waited in, the stack's innermost
	// frame ("sync.(*Mutex).Lock", "runtime.chanrecv1"; in the mutex
	// profile "sync.(*Mutex).Unlock", the unlock that ended the wait). It
	// is empty when that is Function itself.
	Op string `json:"op,omitempty"`
	// Delay and Count are the time waited and the waits, summed over the
	// site's stacks.
	Delay Millis `json:"delay_ms"`
	Count int64  `json:"count"`
	// Callers are the first callers of Function in the heaviest of its
	// stacks, nearest first (at most 3).
	Callers []Frame `json:"callers"`
}

// addContention fills in the rest of r.Contention, whose MutexWait
// addMetrics read: the uptime and rate as of now, and the mutex and block
// profiles, unless ctx is done.
func (r *ThreadReport) addContention(ctx context.Context, now time.Time) {
	c := &r.Contention
	start, err := procfs.ProcessStart(now)
	if err != nil {
		start = procfs.InitTime()
		if !errors.Is(err, errors.ErrUnsupported) {
			c.Note = fmt.Sprintf("uptime from gmr's start: process start time: %v", err)
		}
	}
	uptime := max(now.Sub(start), 0)
	c.Uptime = Millis(uptime)
	if uptime > 0 {
		c.MutexWaitRate = c.MutexWait.D().Seconds() / uptime.Seconds()
	}
	c.Mutex = ContentionProfile{Sites: []ContentionSite{}, Rate: max(runtime.SetMutexProfileFraction(-1), 0)}
	c.Mutex.Enabled = c.Mutex.Rate > 0
	blocks := blockRecords()
	c.Block = ContentionProfile{Sites: []ContentionSite{}, Enabled: blocks > 0}
	for _, p := range []struct {
		cp      *ContentionProfile
		name    string
		records int
		enable  string
	}{{&c.Mutex, "mutex", mutexRecords(), enableMutexProfile}, {&c.Block, "block", blocks, enableBlockProfile}} {
		if !p.cp.Enabled {
			p.cp.Enable = p.enable
		}
		switch err := ctx.Err(); {
		case err != nil:
			p.cp.Note = fmt.Sprintf("not read: %v", err)
		case p.records > 0:
			// Writing even an empty profile costs a gzip writer's setup,
			// about a millisecond.
			p.cp.read(p.name)
		}
	}
}

// read reads the runtime/pprof profile called name into cp.
func (cp *ContentionProfile) read(name string) {
	p, err := readProfile(name)
	if err != nil {
		cp.Note = err.Error()
		return
	}
	if err := cp.addSites(p, maxContentionSites); err != nil {
		cp.Note = fmt.Sprintf("%s profile: %v", name, err)
	}
}

// addSites groups the samples of contention profile p by site and keeps
// the top n.
func (cp *ContentionProfile) addSites(p *profile.Profile, n int) error {
	count, delay := -1, -1
	for i, st := range p.SampleType {
		switch {
		case st.Type == "contentions":
			count = i
		case st.Type == "delay" && st.Unit == "nanoseconds":
			delay = i
		}
	}
	if count < 0 || delay < 0 {
		return errors.New("no contentions/count and delay/nanoseconds samples")
	}
	type site struct {
		ContentionSite
		delay, heaviest int64
	}
	sites := map[[2]string]*site{}
	var total int64
	for _, s := range p.Sample {
		if len(s.Value) <= max(count, delay) || s.Value[delay] < 0 || s.Value[count] < 0 {
			continue
		}
		frames := knownFrames(s)
		at, op := contentionSite(frames)
		key := [2]string{at.Function, op}
		st := sites[key]
		if st == nil {
			st = &site{ContentionSite: ContentionSite{Function: at.Function, Op: op, Callers: []Frame{}}}
			sites[key] = st
		}
		d := s.Value[delay]
		st.delay = saturatingAdd(st.delay, d)
		st.Count = saturatingAdd(st.Count, s.Value[count])
		total = saturatingAdd(total, d)
		cp.Count = saturatingAdd(cp.Count, s.Value[count])
		if d > st.heaviest || st.File == "" && st.Line == 0 {
			st.heaviest = d
			st.File, st.Line = at.File, at.Line
			callers := frames[min(siteIndex(frames, at)+1, len(frames)):]
			st.Callers = slices.Clone(callers[:min(len(callers), maxContentionCallers)])
		}
	}
	cp.Delay = Millis(total)
	all := make([]*site, 0, len(sites))
	for _, st := range sites {
		st.Delay = Millis(st.delay)
		all = append(all, st)
	}
	slices.SortFunc(all, func(a, b *site) int {
		return cmp.Or(cmp.Compare(b.delay, a.delay), cmp.Compare(b.Count, a.Count),
			strings.Compare(a.Function, b.Function), strings.Compare(a.Op, b.Op))
	})
	for _, st := range all[:min(n, len(all))] {
		cp.Sites = append(cp.Sites, st.ContentionSite)
	}
	cp.SitesOmitted = len(all) - len(cp.Sites)
	return nil
}

// contentionSite returns the site of a contention stack, innermost call
// first: its first frame outside the runtime and package sync, or its
// first frame if it has none, and the call it waited in, if that is
// another frame.
func contentionSite(frames []Frame) (at Frame, op string) {
	if len(frames) == 0 {
		return Frame{Function: "?"}, ""
	}
	at = frames[0]
	for _, f := range frames {
		if !isWaitFrame(f.Function) {
			at = f
			break
		}
	}
	if at != frames[0] {
		op = frames[0].Function
	}
	return at, op
}

// siteIndex returns the index of at in frames, or 0.
func siteIndex(frames []Frame, at Frame) int {
	return max(slices.Index(frames, at), 0)
}

// isWaitFrame reports whether fn is a function of the runtime or of
// package sync, in which goroutines wait rather than their callers.
func isWaitFrame(fn string) bool {
	for _, p := range []string{"runtime.", "sync.", "internal/sync.", "internal/runtime/", "sync/atomic."} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

// saturatingAdd returns a+b for non-negative a and b, or math.MaxInt64 if
// that overflows.
func saturatingAdd(a, b int64) int64 {
	if s := a + b; s >= a {
		return s
	}
	return 1<<63 - 1
}

// mutexRecords and blockRecords return the number of records in the
// mutex and block profiles, which the runtime counts without copying them.
func mutexRecords() int {
	n, _ := runtime.MutexProfile(nil)
	return n
}

func blockRecords() int {
	n, _ := runtime.BlockProfile(nil)
	return n
}
