//go:build linux

package sections

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gmr-go/gmr/internal/procfs"
)

// extraRlimits are Linux's limits beyond commonRlimits.
var extraRlimits = []rlimitName{
	{unix.RLIMIT_AS, "as", "bytes"},
	{unix.RLIMIT_NPROC, "nproc", "count"},
	{unix.RLIMIT_MEMLOCK, "memlock", "bytes"},
	{unix.RLIMIT_LOCKS, "locks", "count"},
	{unix.RLIMIT_SIGPENDING, "sigpending", "count"},
	{unix.RLIMIT_MSGQUEUE, "msgqueue", "bytes"},
	{unix.RLIMIT_NICE, "nice", ""},
	{unix.RLIMIT_RTPRIO, "rtprio", ""},
	{unix.RLIMIT_RTTIME, "rttime", "microseconds"},
}

// readProcFS fills in what Linux's /proc and cgroup file system tell: the
// current memory sizes, the open descriptors and the cgroup.
func readProcFS(ctx context.Context, r *ProcessReport, maxFDs int) error {
	self := procfs.Default.Self()
	if st, err := self.Status(); err != nil {
		r.note("memory sizes: %v", err)
	} else if r.Usage != nil {
		r.Usage.RSSBytes = int64(min(st.VMRSS, 1<<63-1))
		r.Usage.VirtualBytes = int64(min(st.VMSize, 1<<63-1))
	}
	var err error
	r.FDs, err = readFDs(ctx, self, maxFDs, r.rlimit("nofile"), r)
	if err != nil {
		return err
	}
	r.Cgroup = readCgroup(self, "", r)
	return nil
}

// fdKindOrder is the order in which kinds take turns in a bounded list.
var fdKindOrder = []string{procfs.KindSocket, procfs.KindPipe, procfs.KindFile, procfs.KindDevice,
	procfs.KindAnonInode, procfs.KindOther, "unreadable"}

// readFDs lists p's descriptors. It reads the targets of at most
// maxClassifiedFDs, looks their sockets up in the socket tables, and lists
// at most maxFDs. What it cannot read it notes in r.
func readFDs(ctx context.Context, p procfs.Proc, maxFDs int, limit int64, r *ProcessReport) (*FDReport, error) {
	fds, err := p.FDs()
	if err != nil {
		r.note("open fds: %v", err)
		return nil, nil
	}
	rep := &FDReport{
		Count:        len(fds),
		Limit:        Limit(limit),
		Kinds:        map[string]int{},
		SocketStates: map[string]int{},
		List:         []FD{},
		MaxFDs:       maxFDs,
		Repeated:     []FDTarget{},
	}
	entries := rep.classify(ctx, p, fds, r)
	if ctx.Err() == nil {
		rep.addSockets(p, entries, r)
	}
	rep.addList(entries, maxFDs)
	rep.addRepeated(entries)
	return rep, ctx.Err()
}

// An fdEntry is a classified descriptor, with its socket's inode.
type fdEntry struct {
	FD
	inode uint64
}

// classify reads the targets of fds, at most maxClassifiedFDs of them, and
// counts them by kind. Descriptors closed since the listing are not
// counted; those whose target cannot be read are of kind "unreadable".
func (rep *FDReport) classify(ctx context.Context, p procfs.Proc, fds []int, r *ProcessReport) []fdEntry {
	entries := make([]fdEntry, 0, min(len(fds), maxClassifiedFDs))
	var unreadable error
	for i, fd := range fds {
		if i >= maxClassifiedFDs {
			rep.Unclassified = len(fds) - i
			break
		}
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				rep.Unclassified = len(fds) - i
				r.note("open fds: stopped after reading %d targets: %v", i, err)
				break
			}
		}
		target, err := p.FDTarget(fd)
		switch {
		case procfs.IsGone(err):
			// Closed after the listing.
			rep.Count--
			continue
		case err != nil:
			if unreadable == nil {
				unreadable = err
			}
			entries = append(entries, fdEntry{FD: FD{FD: fd, Kind: "unreadable", Target: err.Error()}})
			rep.Kinds["unreadable"]++
			continue
		}
		kind, inode := procfs.ParseFDTarget(target)
		rep.Kinds[kind]++
		entries = append(entries, fdEntry{FD: FD{FD: fd, Kind: kind, Target: target}, inode: inode})
	}
	if unreadable != nil {
		r.note("open fds: %d targets could not be read: %v", rep.Kinds["unreadable"], unreadable)
	}
	return entries
}

// addSockets looks all the classified sockets up in p's socket tables, for
// their addresses and states.
func (rep *FDReport) addSockets(p procfs.Proc, entries []fdEntry, r *ProcessReport) {
	want := map[uint64]bool{}
	for _, e := range entries {
		if e.Kind == procfs.KindSocket {
			want[e.inode] = true
		}
	}
	if len(want) == 0 {
		return
	}
	found, err := p.Sockets(want, maxSocketTable)
	if err != nil {
		r.note("sockets: %v", err)
	}
	for i := range entries {
		e := &entries[i]
		if e.Kind != procfs.KindSocket {
			continue
		}
		s, ok := found[e.inode]
		if !ok {
			rep.SocketStates["unknown"]++
			continue
		}
		rep.SocketStates[s.Proto+" "+s.State]++
		e.Socket = fdSocket(s)
	}
}

// addList lists at most maxFDs of entries, in ascending order: the kinds
// take turns, lowest-numbered first within each.
func (rep *FDReport) addList(entries []fdEntry, maxFDs int) {
	byKind := map[string][]int{}
	for i, e := range entries {
		byKind[e.Kind] = append(byKind[e.Kind], i)
	}
	var picked []int
	for len(picked) < maxFDs {
		progress := false
		for _, kind := range fdKindOrder {
			if len(byKind[kind]) > 0 && len(picked) < maxFDs {
				picked = append(picked, byKind[kind][0])
				byKind[kind] = byKind[kind][1:]
				progress = true
			}
		}
		if !progress {
			break
		}
	}
	slices.Sort(picked)
	for _, i := range picked {
		rep.List = append(rep.List, entries[i].FD)
	}
	rep.Omitted = rep.Count - len(rep.List)
}

// addRepeated lists the targets, other than sockets and pipes, that more
// than one of entries refers to, most first, at most maxRepeated.
func (rep *FDReport) addRepeated(entries []fdEntry) {
	counts := map[string]int{}
	for _, e := range entries {
		switch e.Kind {
		case procfs.KindSocket, procfs.KindPipe, "unreadable":
		default:
			counts[e.Target]++
		}
	}
	for t, n := range counts {
		if n > 1 {
			rep.Repeated = append(rep.Repeated, FDTarget{Target: t, Count: n})
		}
	}
	slices.SortFunc(rep.Repeated, func(a, b FDTarget) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Target, b.Target))
	})
	if len(rep.Repeated) > maxRepeated {
		rep.Repeated = rep.Repeated[:maxRepeated]
	}
}

// fdSocket describes s for the report.
func fdSocket(s procfs.Socket) *FDSocket {
	out := &FDSocket{Proto: s.Proto, State: s.State, Type: s.Type}
	if s.Proto == "unix" {
		out.Local = s.Path
		return out
	}
	out.Local = s.Local.String()
	if s.Remote.Port() != 0 || !s.Remote.Addr().IsUnspecified() {
		out.Remote = s.Remote.String()
	}
	return out
}

// maxCgroupDepth bounds the walk up the cgroup tree for limits.
const maxCgroupDepth = 64

// readCgroup reads the cgroup v2 of the process p, with root prepended to
// the mount points (for tests). What it cannot read it notes in r.
func readCgroup(p procfs.Proc, root string, r *ProcessReport) *CgroupReport {
	lines, err := p.Cgroup()
	if err != nil {
		r.note("cgroup: %v", err)
		return nil
	}
	var v1 []string
	for _, l := range lines {
		if l.ID != 0 || len(l.Controllers) > 0 {
			v1 = append(v1, l.Controllers...)
		}
	}
	if len(v1) > 0 {
		slices.Sort(v1)
		r.note("cgroup v1 controllers in use (%s): their limits are not read; gmr reads cgroup v2 only", strings.Join(v1, ", "))
	}
	mounts, err := p.Mountinfo()
	if err != nil {
		r.note("cgroup: %v", err)
		return nil
	}
	cg, err := procfs.FindCgroup2(lines, mounts, root)
	if errors.Is(err, procfs.ErrNoCgroup2) {
		r.note("cgroup: not in a cgroup v2 hierarchy")
		return nil
	}
	if err != nil {
		r.note("cgroup: %v", err)
		return nil
	}
	rep := &CgroupReport{Path: cg.Path, Dir: cg.Dir}
	missing := func(controller, file string, err error) {
		if procfs.IsGone(err) {
			r.note("cgroup %s: no %s: the %s controller is not enabled for this cgroup, or it is the root cgroup", cg.Path, file, controller)
		} else {
			r.note("cgroup %s: %v", cg.Path, err)
		}
	}

	if cur, err := cgroupValue(cg, "memory.current"); err != nil {
		missing("memory", "memory.current", err)
	} else {
		m := &CgroupMemory{CurrentBytes: cur}
		m.MaxBytes, m.MaxFrom = tightestLimit(cg, "memory.max", r)
		if b, err := cg.Read("memory.events"); err == nil {
			if ev, err := procfs.ParseKeyed(b); err == nil {
				m.OOMKills = ev["oom_kill"]
			} else {
				r.note("cgroup %s: memory.events: %v", cg.Path, err)
			}
		}
		rep.Memory = m
	}

	if b, err := cg.Read("cpu.stat"); err != nil {
		missing("cpu", "cpu.stat", err)
	} else {
		c := &CgroupCPU{QuotaCPUs: -1}
		if st, err := procfs.ParseKeyed(b); err == nil {
			c.Periods, c.ThrottledPeriods = st["nr_periods"], st["nr_throttled"]
			c.Throttled = Millis(time.Duration(min(st["throttled_usec"], 1<<63/1000-1)) * time.Microsecond)
		} else {
			r.note("cgroup %s: cpu.stat: %v", cg.Path, err)
		}
		cpuQuota(cg, c, r)
		rep.CPU = c
	}

	if cur, err := cgroupValue(cg, "pids.current"); err != nil {
		missing("pids", "pids.current", err)
	} else {
		pids := &CgroupPids{Current: cur}
		pids.Max, pids.MaxFrom = tightestLimit(cg, "pids.max", r)
		rep.Pids = pids
	}
	return rep
}

// cgroupValue reads a single-value file of cg.
func cgroupValue(cg procfs.Cgroup2, name string) (int64, error) {
	b, err := cg.Read(name)
	if err != nil {
		return 0, err
	}
	v, err := procfs.ParseCgroupValue(b)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}

// tightestLimit returns the lowest limit in file name of cg and its
// ancestors (-1 if there is none), and the path of the cgroup that set it
// when that is not cg.
func tightestLimit(cg procfs.Cgroup2, name string, r *ProcessReport) (limit Limit, from string) {
	limit = -1
	c, ok := cg, true
	for depth := 0; ok && depth < maxCgroupDepth; depth++ {
		v, err := cgroupValue(c, name)
		switch {
		case procfs.IsGone(err):
		case err != nil:
			r.note("cgroup %s: %v", c.Path, err)
		case v >= 0 && (limit < 0 || Limit(v) < limit):
			limit, from = Limit(v), c.Path
		}
		c, ok = c.Parent()
	}
	if from == cg.Path {
		from = ""
	}
	return limit, from
}

// cpuQuota fills in c's quota: the lowest quota over period in cpu.max of
// cg and its ancestors.
func cpuQuota(cg procfs.Cgroup2, c *CgroupCPU, r *ProcessReport) {
	cur, ok := cg, true
	for depth := 0; ok && depth < maxCgroupDepth; depth++ {
		b, err := cur.Read("cpu.max")
		if err == nil {
			quota, period, perr := procfs.ParseCPUMax(b)
			switch {
			case perr != nil:
				r.note("cgroup %s: %v", cur.Path, perr)
			case quota >= 0:
				cpus := float64(quota) / float64(period)
				if c.QuotaCPUs < 0 || CPULimit(cpus) < c.QuotaCPUs {
					c.QuotaCPUs = CPULimit(cpus)
					q := Millis(time.Duration(min(quota, 1<<63/1000-1)) * time.Microsecond)
					c.Quota = &q
					c.Period = Millis(time.Duration(min(period, 1<<63/1000-1)) * time.Microsecond)
					c.MaxFrom = cur.Path
				}
			}
		} else if !procfs.IsGone(err) {
			r.note("cgroup %s: %v", cur.Path, err)
		}
		cur, ok = cur.Parent()
	}
	if c.MaxFrom == cg.Path {
		c.MaxFrom = ""
	}
}
