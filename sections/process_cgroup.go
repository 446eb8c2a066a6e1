package sections

// CgroupReport is a process's cgroup: its limits and usage, from cgroup
// v2 (the unified hierarchy) or cgroup v1 (one hierarchy per controller),
// or both on a hybrid system. Each controller's part says which version
// it was read from; it is nil when the controller's files are not there
// (the controller is not enabled for the cgroup, or it is the root
// cgroup). A limit may be set on an ancestor: each limit is the tightest
// of the cgroup's and its ancestors', and MaxFrom names the cgroup it
// came from when that is not the process's own.
type CgroupReport struct {
	// Mode is "v2" (unified hierarchy only), "v1" (v1 hierarchies only)
	// or "hybrid" (v1 controllers beside a v2 hierarchy, as systemd's
	// hybrid mode mounts them).
	Mode string `json:"mode"`
	// Path is the cgroup v2 path ("/system.slice/shop.service"), Dir its
	// directory; both empty when the process is in no v2 hierarchy. A v1
	// controller's cgroup is in its own part.
	Path string `json:"path,omitempty"`
	Dir  string `json:"dir,omitempty"`
	// Memory, CPU and Pids are the controllers' figures.
	Memory *CgroupMemory `json:"memory,omitempty"`
	CPU    *CgroupCPU    `json:"cpu,omitempty"`
	Pids   *CgroupPids   `json:"pids,omitempty"`
}

// CgroupMemory is a cgroup's memory use and limit.
type CgroupMemory struct {
	// Version is the cgroup version the figures were read from: 2
	// (memory.current, memory.max, memory.stat, memory.events) or 1
	// (memory.usage_in_bytes, memory.limit_in_bytes, memory.stat,
	// memory.failcnt, memory.oom_control).
	Version int `json:"version"`
	// Path and Dir are the v1 memory cgroup's path and directory; empty
	// for v2, whose cgroup is the report's.
	Path string `json:"path,omitempty"`
	Dir  string `json:"dir,omitempty"`
	// CurrentBytes is the memory charged to the cgroup, page cache
	// included: memory.current (v2) or memory.usage_in_bytes (v1).
	CurrentBytes int64 `json:"current_bytes"`
	// WorkingSetBytes is CurrentBytes less the inactive page cache
	// (memory.stat's inactive_file in v2, total_inactive_file in v1), as
	// kubelet computes a container's working set: what the kernel cannot
	// easily reclaim (CurrentBytes itself when memory.stat cannot be
	// read). It is the figure ProcessReport.Limits holds against
	// MaxBytes, as "memory".
	WorkingSetBytes int64 `json:"working_set_bytes"`
	// MaxBytes is the limit at which the kernel reclaims and then
	// OOM-kills: memory.max (v2) or memory.limit_in_bytes (v1), the
	// tightest of the cgroup's and its ancestors', and in v1 also
	// memory.stat's hierarchical_memory_limit, which sees ancestors
	// outside a container's mount (MaxFrom is then
	// "hierarchical_memory_limit"). NoLimit (-1, null in JSON) means
	// none; v1's "unlimited" (9223372036854771712 and the like) is none.
	MaxBytes Limit  `json:"max_bytes"`
	MaxFrom  string `json:"max_from,omitempty"`
	// LimitHits counts the times the cgroup's usage hit its limit:
	// memory.events max (v2) or memory.failcnt (v1).
	LimitHits uint64 `json:"limit_hits"`
	// OOMKills is the oom_kill count of memory.events (v2) or
	// memory.oom_control (v1, Linux 4.13 and later): processes of the
	// cgroup killed for exceeding it.
	OOMKills uint64 `json:"oom_kills"`
}

// CgroupCPU is a cgroup's CPU quota and how often it was throttled.
type CgroupCPU struct {
	// Version is the cgroup version the figures were read from: 2
	// (cpu.max, cpu.stat) or 1 (cpu.cfs_quota_us, cpu.cfs_period_us,
	// cpu.stat).
	Version int `json:"version"`
	// Path and Dir are the v1 cpu cgroup's path and directory; empty for
	// v2.
	Path string `json:"path,omitempty"`
	Dir  string `json:"dir,omitempty"`
	// QuotaCPUs is the quota over its period: how many CPUs' worth of
	// time the cgroup may use; -1 (null in JSON) means no quota.
	QuotaCPUs CPULimit `json:"quota_cpus"`
	// Quota and Period are the quota's figures (Quota nil, null in JSON,
	// for none); in JSON milliseconds.
	Quota   *Millis `json:"quota_ms"`
	Period  Millis  `json:"period_ms"`
	MaxFrom string  `json:"max_from,omitempty"`
	// Periods, ThrottledPeriods and Throttled are from cpu.stat: the
	// quota periods that have elapsed, those in which the cgroup was
	// throttled, and the time it spent throttled.
	Periods          uint64 `json:"periods"`
	ThrottledPeriods uint64 `json:"throttled_periods"`
	Throttled        Millis `json:"throttled_ms"`
}

// CgroupPids is a cgroup's task count and limit. Tasks are threads: every
// OS thread of every process in the cgroup counts.
type CgroupPids struct {
	// Version is the cgroup version the figures were read from (pids.current
	// and pids.max in both).
	Version int `json:"version"`
	// Path and Dir are the v1 pids cgroup's path and directory; empty for
	// v2.
	Path    string `json:"path,omitempty"`
	Dir     string `json:"dir,omitempty"`
	Current int64  `json:"current"`
	// Max is pids.max, or NoLimit (-1, null in JSON) for none.
	Max     Limit  `json:"max"`
	MaxFrom string `json:"max_from,omitempty"`
}
