package sections

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
)

const (
	// MaxClassifiedFDs bounds the descriptors whose targets are read to
	// count them by kind and socket state: one readlink(2) each, for the
	// lowest-numbered 131,072. It covers 100,000 descriptors well within
	// a section's time (BenchmarkProcessFDs measures it); past it, the
	// counts are of the first MaxClassifiedFDs and FDReport.Unclassified
	// counts the rest.
	MaxClassifiedFDs = 128 << 10
	// maxSocketTable bounds the bytes read from each socket table: the
	// lines of 200,000 IPv6 sockets.
	maxSocketTable = 32 << 20
	// maxRepeated is the most repeated targets listed.
	maxRepeated = 5
	// NearLimitPercent is the share of a limit from which a figure is
	// flagged as near it.
	NearLimitPercent = 80
)

// Process is the "process" section: what an operator asks first about a
// process in trouble. Who and where it is (ids, executable, working
// directory; the command line is in the config section); what it has
// used (CPU time, peak memory, context switches) and where its memory
// went; its resource limits; the file descriptors it holds, with the
// addresses of its sockets; on Linux, the cgroup (v1 or v2) limits and
// usage of its container. The limits that matter are listed with their
// use in ProcessReport.Limits, and flagged when at NearLimitPercent or
// more: "fds 1010 / 1024 (99%)". Its zero value is ready to use.
//
// Collect stops nothing. On Linux it reads about a dozen small files in
// /proc and the cgroup file system, lists /proc/self/fd and reads the
// target of each descriptor (one readlink(2) each, for at most
// MaxClassifiedFDs), and, if the process holds sockets, the socket tables
// of its network namespace until it has found them all (at most 32 MiB of
// each table). It reads /proc/self/maps, and /proc/self/smaps only where
// the kernel names the Go runtime's mappings. Its time grows with the
// descriptors, and most with the sockets, whose tables it reads
// (BenchmarkProcess and BenchmarkProcessFDs measure it).
//
// Nothing missing fails the section: off Linux, without /proc, or
// without a cgroup, the report holds what could be read and
// ProcessReport.Notes says what could not, and why.
//
// Collect is safe for concurrent use.
type Process struct {
	// MaxFDs is the most file descriptors listed one by one; all are
	// counted (up to MaxClassifiedFDs). Optional: zero means
	// DefaultMaxFDs, a negative value lists none (the counts only).
	MaxFDs int
}

// ProcessReport is the data of the process section. It implements
// report.TextWriter.
type ProcessReport struct {
	// PPID is the parent's process id. The process's own id, like its
	// host and start time, is in the report's header.
	PPID int `json:"ppid"`
	// UID, EUID, GID and EGID are the real and effective user and group
	// ids; -1 on Windows.
	UID  int `json:"uid"`
	EUID int `json:"euid"`
	GID  int `json:"gid"`
	EGID int `json:"egid"`
	// Executable is the path of the running binary (os.Executable), Cwd
	// the working directory.
	Executable string `json:"executable"`
	Cwd        string `json:"cwd"`
	// GOMAXPROCS and GOMEMLIMIT are the Go runtime's settings, shown
	// next to the cgroup's CPU and memory limits; GOMEMLIMIT is
	// math.MaxInt64 when there is no limit, which JSON writes as null.
	GOMAXPROCS int   `json:"gomaxprocs"`
	GOMEMLIMIT Limit `json:"gomemlimit_bytes"`
	// Limits lists the limits that matter and their use, each whenever
	// the limit is finite; see LimitUse for the names.
	Limits []LimitUse `json:"limits"`
	// Usage is the process's resource usage, or nil where getrusage is
	// not available.
	Usage *ResourceUsage `json:"usage,omitempty"`
	// Memory says where the resident memory went, or is nil off Linux.
	Memory *MemoryUse `json:"memory,omitempty"`
	// Rlimits are the resource limits (getrlimit), by name.
	Rlimits []Rlimit `json:"rlimits"`
	// FDs describes the open file descriptors, or is nil where they
	// cannot be listed.
	FDs *FDReport `json:"fds,omitempty"`
	// Cgroup is the process's cgroup, v1 or v2, or nil when there is
	// none or it cannot be read.
	Cgroup *CgroupReport `json:"cgroup,omitempty"`
	// Notes say what could not be read, and why.
	Notes []string `json:"notes"`
}

// Names of the figures in ProcessReport.Limits.
const (
	// LimitFDs is the open descriptors (FDReport.Count, gmr's own
	// included) against the soft RLIMIT_NOFILE.
	LimitFDs = "fds"
	// LimitMemory is the cgroup's working set against its memory limit
	// (v2 memory.max, v1 memory.limit_in_bytes, the tightest up the
	// tree): CgroupMemory.WorkingSetBytes, the figure kubelet evicts and
	// the kernel reclaims by.
	LimitMemory = "memory"
	// LimitPids is the cgroup's tasks (every thread counts) against its
	// pids.max.
	LimitPids = "pids"
	// LimitGOMEMLIMIT is the Go runtime's memory as GOMEMLIMIT counts it
	// (runtime/metrics /memory/classes/total:bytes less
	// /memory/classes/heap/released:bytes) against GOMEMLIMIT.
	LimitGOMEMLIMIT = "gomemlimit"
	// LimitCPUTime is the CPU time used against RLIMIT_CPU.
	LimitCPUTime = "cpu time"
	// LimitAddressSpace is the virtual memory size against RLIMIT_AS.
	LimitAddressSpace = "address space"
)

// LimitUse is a figure and its limit.
type LimitUse struct {
	// Name names the figure: LimitFDs ("fds"), LimitMemory ("memory"),
	// LimitPids ("pids"), LimitGOMEMLIMIT ("gomemlimit"), LimitCPUTime
	// ("cpu time") or LimitAddressSpace ("address space"). A figure is
	// listed only when its limit is finite and known.
	Name string `json:"name"`
	// Used and Limit are in Unit: "bytes", "seconds" or "count". Limit
	// is at least 1.
	Used  int64  `json:"used"`
	Limit int64  `json:"limit"`
	Unit  string `json:"unit"`
	// Percent is Used as a percentage of Limit, to one decimal place.
	Percent float64 `json:"percent"`
	// Near reports whether Percent is at least NearLimitPercent.
	Near bool `json:"near"`
}

// ResourceUsage is what the process has used, from getrusage(2) and, on
// Linux, /proc/self/status. In JSON durations are milliseconds.
type ResourceUsage struct {
	// UserCPU and SystemCPU are the CPU time spent in user and kernel
	// mode, by all threads.
	UserCPU   Millis `json:"user_cpu_ms"`
	SystemCPU Millis `json:"system_cpu_ms"`
	// MaxRSSBytes is the peak resident set size.
	MaxRSSBytes int64 `json:"max_rss_bytes"`
	// RSSBytes and VirtualBytes are the current resident set and virtual
	// memory sizes; Linux only, zero elsewhere.
	RSSBytes     int64 `json:"rss_bytes"`
	VirtualBytes int64 `json:"virtual_bytes"`
	// MinorFaults and MajorFaults count page faults served without and
	// with I/O.
	MinorFaults int64 `json:"minor_faults"`
	MajorFaults int64 `json:"major_faults"`
	// VoluntarySwitches counts the times a thread gave up the CPU to wait;
	// InvoluntarySwitches the times the kernel took it away, which many of
	// means CPU contention or throttling.
	VoluntarySwitches   int64 `json:"voluntary_switches"`
	InvoluntarySwitches int64 `json:"involuntary_switches"`
}

// Rlimit is one resource limit. Soft is the limit enforced, Hard the
// ceiling the process may raise Soft to; NoLimit (-1, null in JSON) means
// unlimited.
type Rlimit struct {
	// Name is the limit's name as in RLIMIT_<NAME>, in lower case:
	// "nofile", "nproc", "as", "core", ...
	Name string `json:"name"`
	Soft Limit  `json:"soft"`
	Hard Limit  `json:"hard"`
	// Unit is "bytes", "seconds", "microseconds", "count", or "" for a
	// plain value (nice, rtprio).
	Unit string `json:"unit"`
}

// FDReport describes the open file descriptors.
type FDReport struct {
	// Count is the number of open descriptors, gmr's own included (see
	// List). It includes any that other sections of the same report held
	// open for a moment.
	Count int `json:"count"`
	// Limit is the soft RLIMIT_NOFILE, or NoLimit (null in JSON) if
	// unlimited or unknown.
	Limit Limit `json:"limit"`
	// Kinds counts the descriptors by kind: "file", "socket", "pipe",
	// "device", "anon_inode", "other", "unreadable". Only the first
	// MaxClassified descriptors (the lowest-numbered) are classified:
	// Classified counts those, and Unclassified the rest (and any not
	// read because the section ran out of time).
	Kinds         map[string]int `json:"kinds"`
	Classified    int            `json:"classified"`
	Unclassified  int            `json:"unclassified"`
	MaxClassified int            `json:"max_classified"`
	// SocketStates counts the classified sockets by protocol and state:
	// "tcp LISTEN", "tcp ESTABLISHED", "unix CONNECTED", ... Sockets not
	// found in the socket tables (netlink, packet, ...) count as
	// "unknown".
	SocketStates map[string]int `json:"socket_states"`
	// List holds at most MaxFDs of the classified descriptors, in
	// ascending order. When there are more, MaxFDs is shared among the
	// kinds, lowest-numbered first within each, so that a few sockets are
	// not hidden behind thousands of files; Omitted counts the rest.
	// gmr's own descriptors (FD.Gmr set: the duplicate of stderr it
	// writes to, the report directory, its spare descriptor, the crash
	// output file, the /proc files being read for this report,
	// /proc/self/fd itself among them) take their turn first; the text
	// folds them into one line, and Repeated leaves them out.
	List    []FD `json:"list"`
	Omitted int  `json:"omitted"`
	MaxFDs  int  `json:"max_fds"`
	// Repeated lists the targets other than sockets and pipes that more
	// than one descriptor refers to, most first (at most 5): a file opened
	// again and again is a leak's usual sign.
	Repeated []FDTarget `json:"repeated"`
}

// FD is one open file descriptor.
type FD struct {
	FD int `json:"fd"`
	// Kind is the descriptor's kind: "file", "socket", "pipe", "device",
	// "anon_inode", "other" or "unreadable".
	Kind string `json:"kind"`
	// Target is what it refers to, as readlink(2) of /proc/self/fd/<fd>
	// gives it: "/var/log/app.log", "socket:[12345]", "pipe:[678]".
	Target string `json:"target"`
	// Socket describes a socket found in the socket tables.
	Socket *FDSocket `json:"socket,omitempty"`
	// Gmr says what gmr holds the descriptor for, if it is gmr's own:
	// "stderr duplicate", "report directory", "reading /proc", ...
	Gmr string `json:"gmr,omitempty"`
}

// FDSocket is a socket's protocol, addresses and state.
type FDSocket struct {
	// Proto is "tcp", "tcp6", "udp", "udp6" or "unix".
	Proto string `json:"proto"`
	// Local is the local address ("127.0.0.1:8080", or a Unix socket's
	// path, "@name" for an abstract one); Remote the peer's address, or ""
	// when not connected or, for Unix sockets, not known.
	Local  string `json:"local"`
	Remote string `json:"remote,omitempty"`
	// State is "LISTEN", "ESTABLISHED", "CLOSE_WAIT", ... for TCP;
	// "CONNECTED" or "UNCONNECTED" for UDP and Unix sockets.
	State string `json:"state"`
	// Type is a Unix socket's type: "stream", "dgram" or "seqpacket".
	Type string `json:"type,omitempty"`
}

// FDTarget is a target and the number of descriptors that refer to it.
type FDTarget struct {
	Target string `json:"target"`
	Count  int    `json:"count"`
}

// Name returns "process".
func (Process) Name() string { return "process" }

// Collect returns a *ProcessReport. If ctx is done part way, it returns
// what it has with ctx.Err().
func (p Process) Collect(ctx context.Context) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &ProcessReport{
		PPID:       os.Getppid(),
		UID:        os.Getuid(),
		EUID:       os.Geteuid(),
		GID:        os.Getgid(),
		EGID:       os.Getegid(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GOMEMLIMIT: Limit(debug.SetMemoryLimit(-1)),
		Limits:     []LimitUse{},
		Rlimits:    []Rlimit{},
		Notes:      []string{},
	}
	var err error
	if r.Executable, err = os.Executable(); err != nil {
		r.note("executable: %v", err)
	}
	if r.Cwd, err = os.Getwd(); err != nil {
		r.note("working directory: %v", err)
	}

	readUsage(r)
	err = readProcFS(ctx, r, bound(p.MaxFDs, DefaultMaxFDs))
	r.addLimits(goMemLimitUsed())
	return r, err
}

// note adds a note saying what could not be read.
func (r *ProcessReport) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// rlimit returns the soft limit called name, or -1 if it is unlimited or
// unknown.
func (r *ProcessReport) rlimit(name string) int64 {
	for _, l := range r.Rlimits {
		if l.Name == name {
			return int64(l.Soft)
		}
	}
	return -1
}

// goMemLimitUsed returns the Go runtime's memory as GOMEMLIMIT counts it:
// all the memory it has mapped less what it has returned to the system.
func goMemLimitUsed() int64 {
	m := metricValues{samples: readMetrics("/memory/classes/total:bytes", "/memory/classes/heap/released:bytes")}
	total, released := m.uint64(0), m.uint64(1)
	if total < released || total > math.MaxInt64 {
		return -1
	}
	return int64(total - released)
}

// addLimits fills in r.Limits from the figures collected, and the Go
// runtime's memory as GOMEMLIMIT counts it.
func (r *ProcessReport) addLimits(goMemory int64) {
	add := func(name string, used, limit int64, unit string) {
		if limit <= 0 || limit == math.MaxInt64 || used < 0 {
			return
		}
		pct := float64(used) / float64(limit) * 100
		r.Limits = append(r.Limits, LimitUse{Name: name, Used: used, Limit: limit, Unit: unit,
			Percent: math.Round(pct*10) / 10, Near: pct >= NearLimitPercent})
	}
	if r.FDs != nil {
		add(LimitFDs, int64(r.FDs.Count), int64(r.FDs.Limit), "count")
	}
	if cg := r.Cgroup; cg != nil {
		if m := cg.Memory; m != nil {
			add(LimitMemory, m.WorkingSetBytes, int64(m.MaxBytes), "bytes")
		}
		if pids := cg.Pids; pids != nil {
			add(LimitPids, pids.Current, int64(pids.Max), "count")
		}
	}
	if goMemory >= 0 {
		add(LimitGOMEMLIMIT, goMemory, int64(r.GOMEMLIMIT), "bytes")
	}
	if u := r.Usage; u != nil {
		add(LimitCPUTime, int64((u.UserCPU + u.SystemCPU).D().Seconds()), r.rlimit("cpu"), "seconds")
		if u.VirtualBytes > 0 {
			add(LimitAddressSpace, u.VirtualBytes, r.rlimit("as"), "bytes")
		}
	}
}

// rlimitName names a resource limit (RLIMIT_NOFILE, ...) and its unit.
type rlimitName struct {
	resource   int
	name, unit string
}
