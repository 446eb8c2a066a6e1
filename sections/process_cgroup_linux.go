//go:build linux

package sections

import (
	"errors"
	"fmt"
	"time"

	"github.com/gmr-go/gmr/internal/procfs"
)

// maxCgroupDepth bounds the walk up the cgroup tree for limits.
const maxCgroupDepth = 64

// cgroupReader reads one process's cgroups, noting in r what it cannot.
type cgroupReader struct {
	r      *ProcessReport
	lines  []procfs.CgroupLine
	mounts []procfs.Mount
	root   string
}

// readCgroup reads the cgroups of the process p, v2 and v1, with root
// prepended to the mount points (for tests). What it cannot read it notes
// in r.
func readCgroup(p procfs.Proc, root string, r *ProcessReport) *CgroupReport {
	lines, err := p.Cgroup()
	if err != nil {
		r.note("cgroup: %v", err)
		return nil
	}
	mounts, err := p.Mountinfo()
	if err != nil {
		r.note("cgroup: %v", err)
		return nil
	}
	c := cgroupReader{r: r, lines: lines, mounts: mounts, root: root}
	rep := &CgroupReport{Mode: cgroupMode(lines)}

	v2, err := procfs.FindCgroup2(lines, mounts, root)
	hasV2 := err == nil
	switch {
	case hasV2:
		rep.Path, rep.Dir = v2.Path, v2.Dir
	case !errors.Is(err, procfs.ErrNoCgroup2):
		r.note("cgroup: %v", err)
	}

	// A controller bound to a v1 hierarchy is read there; any other from
	// the v2 cgroup, if there is one.
	if dir, ok := c.v1("memory"); ok {
		rep.Memory = c.memoryV1(dir)
	} else if hasV2 {
		rep.Memory = c.memoryV2(v2)
	}
	if dir, ok := c.v1("cpu"); ok {
		rep.CPU = c.cpuV1(dir)
	} else if hasV2 {
		rep.CPU = c.cpuV2(v2)
	}
	if dir, ok := c.v1("pids"); ok {
		rep.Pids = c.pids(dir, 1)
	} else if hasV2 {
		rep.Pids = c.pids(v2, 2)
	}
	if !hasV2 && rep.Memory == nil && rep.CPU == nil && rep.Pids == nil {
		if rep.Mode == "v2" {
			return nil
		}
		r.note("cgroup: no memory, cpu or pids controller could be read")
		return nil
	}
	return rep
}

// cgroupMode names the cgroup layout that the lines of a cgroup file
// show: "v2", "v1" or "hybrid".
func cgroupMode(lines []procfs.CgroupLine) string {
	v1, v2 := false, false
	for _, l := range lines {
		if l.ID == 0 && len(l.Controllers) == 0 {
			v2 = true
		} else {
			v1 = true
		}
	}
	switch {
	case v1 && v2:
		return "hybrid"
	case v1:
		return "v1"
	}
	return "v2"
}

// v1 returns the v1 cgroup of controller, if the process is in one.
func (c *cgroupReader) v1(controller string) (procfs.CgroupDir, bool) {
	dir, err := procfs.FindCgroup1(c.lines, c.mounts, c.root, controller)
	if errors.Is(err, procfs.ErrNoCgroup1) {
		return dir, false
	}
	if err != nil {
		c.r.note("cgroup: %v", err)
		return dir, false
	}
	return dir, true
}

// missing notes that a controller's file could not be read, unless it is
// not there: the controller is then not enabled for the cgroup, or it is
// the root cgroup, as the text's "no controller files" line says.
func (c *cgroupReader) missing(cg procfs.CgroupDir, err error) {
	if !procfs.IsGone(err) {
		c.r.note("cgroup %s: %v", cg.Path, err)
	}
}

// keyed reads a flat keyed file of cg, noting an error other than its
// absence.
func (c *cgroupReader) keyed(cg procfs.CgroupDir, name string) map[string]uint64 {
	b, err := cg.Read(name)
	if err != nil {
		if !procfs.IsGone(err) {
			c.r.note("cgroup %s: %v", cg.Path, err)
		}
		return nil
	}
	m, err := procfs.ParseKeyed(b)
	if err != nil {
		c.r.note("cgroup %s: %s: %v", cg.Path, name, err)
	}
	return m
}

// workingSet is usage less the inactive page cache, never below zero.
func workingSet(usage int64, inactiveFile uint64) int64 {
	if inactiveFile >= uint64(usage) {
		return 0
	}
	return usage - int64(inactiveFile)
}

func (c *cgroupReader) memoryV2(cg procfs.CgroupDir) *CgroupMemory {
	cur, err := cgroupValue(cg, "memory.current", procfs.ParseCgroupValue)
	if err != nil {
		c.missing(cg, err)
		return nil
	}
	m := &CgroupMemory{Version: 2, CurrentBytes: cur, WorkingSetBytes: cur}
	m.MaxBytes, m.MaxFrom = c.tightestLimit(cg, "memory.max", procfs.ParseCgroupValue)
	if st := c.keyed(cg, "memory.stat"); st != nil {
		m.WorkingSetBytes = workingSet(cur, st["inactive_file"])
	}
	if ev := c.keyed(cg, "memory.events"); ev != nil {
		m.LimitHits, m.OOMKills = ev["max"], ev["oom_kill"]
	}
	return m
}

func (c *cgroupReader) memoryV1(cg procfs.CgroupDir) *CgroupMemory {
	cur, err := cgroupValue(cg, "memory.usage_in_bytes", procfs.ParseCgroupV1Limit)
	if err != nil {
		c.missing(cg, err)
		return nil
	}
	m := &CgroupMemory{Version: 1, Path: cg.Path, Dir: cg.Dir, CurrentBytes: max(cur, 0), WorkingSetBytes: max(cur, 0)}
	m.MaxBytes, m.MaxFrom = c.tightestLimit(cg, "memory.limit_in_bytes", procfs.ParseCgroupV1Limit)
	if st := c.keyed(cg, "memory.stat"); st != nil {
		m.WorkingSetBytes = workingSet(m.CurrentBytes, st["total_inactive_file"])
		if h, ok := st["hierarchical_memory_limit"]; ok && h < procfs.V1Unlimited && (m.MaxBytes < 0 || Limit(h) < m.MaxBytes) {
			m.MaxBytes, m.MaxFrom = Limit(h), "hierarchical_memory_limit"
		}
	}
	if n, err := cgroupValue(cg, "memory.failcnt", procfs.ParseCgroupValue); err == nil {
		m.LimitHits = uint64(n)
	} else if !procfs.IsGone(err) {
		c.r.note("cgroup %s: %v", cg.Path, err)
	}
	if oc := c.keyed(cg, "memory.oom_control"); oc != nil {
		m.OOMKills = oc["oom_kill"]
	}
	return m
}

func (c *cgroupReader) cpuV2(cg procfs.CgroupDir) *CgroupCPU {
	b, err := cg.Read("cpu.stat")
	if err != nil {
		c.missing(cg, err)
		return nil
	}
	cpu := &CgroupCPU{Version: 2, QuotaCPUs: -1}
	if st, err := procfs.ParseKeyed(b); err == nil {
		cpu.Periods, cpu.ThrottledPeriods = st["nr_periods"], st["nr_throttled"]
		cpu.Throttled = Millis(time.Duration(min(st["throttled_usec"], 1<<63/1000-1)) * time.Microsecond)
	} else {
		c.r.note("cgroup %s: cpu.stat: %v", cg.Path, err)
	}
	c.cpuQuota(cg, cpu, func(d procfs.CgroupDir) (quota, period int64, err error) {
		b, err := d.Read("cpu.max")
		if err != nil {
			return 0, 0, err
		}
		return procfs.ParseCPUMax(b)
	})
	return cpu
}

func (c *cgroupReader) cpuV1(cg procfs.CgroupDir) *CgroupCPU {
	cpu := &CgroupCPU{Version: 1, Path: cg.Path, Dir: cg.Dir, QuotaCPUs: -1}
	st := c.keyed(cg, "cpu.stat")
	if st == nil {
		if _, err := cg.Read("cpu.cfs_period_us"); err != nil {
			c.missing(cg, err)
			return nil
		}
	}
	cpu.Periods, cpu.ThrottledPeriods = st["nr_periods"], st["nr_throttled"]
	cpu.Throttled = Millis(time.Duration(min(st["throttled_time"], 1<<63-1))) // nanoseconds
	c.cpuQuota(cg, cpu, func(d procfs.CgroupDir) (quota, period int64, err error) {
		// cpu.cfs_quota_us is -1 for no quota.
		quota, err = cgroupValue(d, "cpu.cfs_quota_us", procfs.ParseCgroupV1Limit)
		if err != nil {
			return 0, 0, err
		}
		period, err = cgroupValue(d, "cpu.cfs_period_us", procfs.ParseCgroupValue)
		if err == nil && period <= 0 {
			err = fmt.Errorf("cpu.cfs_period_us: %d, want a positive number", period)
		}
		return quota, period, err
	})
	return cpu
}

func (c *cgroupReader) pids(cg procfs.CgroupDir, version int) *CgroupPids {
	cur, err := cgroupValue(cg, "pids.current", procfs.ParseCgroupValue)
	if err != nil {
		c.missing(cg, err)
		return nil
	}
	p := &CgroupPids{Version: version, Current: cur}
	if version == 1 {
		p.Path, p.Dir = cg.Path, cg.Dir
	}
	p.Max, p.MaxFrom = c.tightestLimit(cg, "pids.max", procfs.ParseCgroupValue)
	return p
}

// cgroupValue reads a single-value file of cg with parse.
func cgroupValue(cg procfs.CgroupDir, name string, parse func([]byte) (int64, error)) (int64, error) {
	b, err := cg.Read(name)
	if err != nil {
		return 0, err
	}
	v, err := parse(b)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}

// tightestLimit returns the lowest limit in file name of cg and its
// ancestors (-1 if there is none), and the path of the cgroup that set it
// when that is not cg.
func (c *cgroupReader) tightestLimit(cg procfs.CgroupDir, name string, parse func([]byte) (int64, error)) (limit Limit, from string) {
	limit = -1
	d, ok := cg, true
	for depth := 0; ok && depth < maxCgroupDepth; depth++ {
		v, err := cgroupValue(d, name, parse)
		switch {
		case procfs.IsGone(err):
		case err != nil:
			c.r.note("cgroup %s: %v", d.Path, err)
		case v >= 0 && (limit < 0 || Limit(v) < limit):
			limit, from = Limit(v), d.Path
		}
		d, ok = d.Parent()
	}
	if from == cg.Path {
		from = ""
	}
	return limit, from
}

// cpuQuota fills in cpu's quota: the lowest quota over period that read
// gives for cg and its ancestors.
func (c *cgroupReader) cpuQuota(cg procfs.CgroupDir, cpu *CgroupCPU, read func(procfs.CgroupDir) (quota, period int64, err error)) {
	cur, ok := cg, true
	for depth := 0; ok && depth < maxCgroupDepth; depth++ {
		quota, period, err := read(cur)
		switch {
		case procfs.IsGone(err):
		case err != nil:
			c.r.note("cgroup %s: %v", cur.Path, err)
		case quota >= 0:
			cpus := float64(quota) / float64(period)
			if cpu.QuotaCPUs < 0 || CPULimit(cpus) < cpu.QuotaCPUs {
				cpu.QuotaCPUs = CPULimit(cpus)
				q := Millis(time.Duration(min(quota, 1<<63/1000-1)) * time.Microsecond)
				cpu.Quota = &q
				cpu.Period = Millis(time.Duration(min(period, 1<<63/1000-1)) * time.Microsecond)
				cpu.MaxFrom = cur.Path
			}
		}
		cur, ok = cur.Parent()
	}
	if cpu.MaxFrom == cg.Path {
		cpu.MaxFrom = ""
	}
}
