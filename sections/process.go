package sections

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gmr-go/gmr/internal/textfmt"
)

const (
	// maxClassifiedFDs bounds the descriptors whose targets are read to
	// count them by kind: one readlink(2) each.
	maxClassifiedFDs = 4096
	// maxSocketTable bounds the bytes read from each socket table.
	maxSocketTable = 8 << 20
	// maxRepeated is the most repeated targets listed.
	maxRepeated = 5
	// NearLimitPercent is the share of a limit from which a figure is
	// flagged as near it.
	NearLimitPercent = 80
)

// Process is the "process" section: what an operator asks first about a
// process in trouble. Who and where it is (ids, executable, working
// directory; the command line is in the config section); what it has
// used (CPU time, peak memory, context switches); its resource limits; the
// file descriptors it holds, with the addresses of its sockets; on Linux,
// the cgroup v2 limits and usage of its container. Every figure that has a
// limit is listed with it in ProcessReport.Limits, and flagged when at
// NearLimitPercent or more: "fds 1010 / 1024 (99%)". Its zero value is
// ready to use.
//
// Collect stops nothing. On Linux it reads about a dozen small files in
// /proc and the cgroup file system, lists /proc/self/fd and reads the
// target of each descriptor (one readlink(2) each, for at most 4,096), and,
// if the process holds sockets, the socket tables of its network namespace
// until it has found them all (at most 8 MiB of each table). Its time grows
// with the descriptors, and most with the sockets, whose tables it reads
// (BenchmarkProcess measures it).
//
// Nothing missing fails the section: off Linux, without /proc, or without
// cgroup v2, the report holds what could be read and ProcessReport.Notes
// says what could not, and why.
//
// Collect is safe for concurrent use.
type Process struct {
	// MaxFDs is the most file descriptors listed one by one; all are
	// counted. Optional: zero means DefaultMaxFDs, a negative value lists
	// none (the counts only).
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
	// Limits lists every figure that has a limit, with its use of it:
	// descriptors, CPU time and address space against their rlimits,
	// cgroup memory and pids.
	Limits []LimitUse `json:"limits"`
	// Usage is the process's resource usage, or nil where getrusage is
	// not available.
	Usage *ResourceUsage `json:"usage,omitempty"`
	// Rlimits are the resource limits (getrlimit), by name.
	Rlimits []Rlimit `json:"rlimits"`
	// FDs describes the open file descriptors, or is nil where they
	// cannot be listed.
	FDs *FDReport `json:"fds,omitempty"`
	// Cgroup is the process's cgroup v2, or nil when there is none or it
	// cannot be read.
	Cgroup *CgroupReport `json:"cgroup,omitempty"`
	// Notes say what could not be read, and why.
	Notes []string `json:"notes"`
}

// LimitUse is a figure and its limit.
type LimitUse struct {
	// Name names the figure: "fds", "cpu time", "address space",
	// "cgroup memory", "cgroup pids".
	Name string `json:"name"`
	// Used and Limit are in Unit: "bytes", "seconds" or "count".
	Used  int64  `json:"used"`
	Limit int64  `json:"limit"`
	Unit  string `json:"unit"`
	// Percent is Used as a percentage of Limit.
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
	// Count is the number of open descriptors. It includes any that other
	// sections of the same report held open for a moment.
	Count int `json:"count"`
	// Limit is the soft RLIMIT_NOFILE, or NoLimit (null in JSON) if
	// unlimited or unknown.
	Limit Limit `json:"limit"`
	// Kinds counts the descriptors by kind: "file", "socket", "pipe",
	// "device", "anon_inode", "other". At most 4,096 descriptors are
	// classified; Unclassified counts the rest.
	Kinds        map[string]int `json:"kinds"`
	Unclassified int            `json:"unclassified"`
	// SocketStates counts the classified sockets by protocol and state:
	// "tcp LISTEN", "tcp ESTABLISHED", "unix CONNECTED", ... Sockets not
	// found in the socket tables (netlink, packet, ...) count as
	// "unknown".
	SocketStates map[string]int `json:"socket_states"`
	// List holds at most MaxFDs descriptors, in ascending order. When
	// there are more, MaxFDs is shared among the kinds, lowest-numbered
	// first within each, so that a few sockets are not hidden behind
	// thousands of files; Omitted counts the rest.
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
	// "anon_inode" or "other".
	Kind string `json:"kind"`
	// Target is what it refers to, as readlink(2) of /proc/self/fd/<fd>
	// gives it: "/var/log/app.log", "socket:[12345]", "pipe:[678]".
	Target string `json:"target"`
	// Socket describes a socket found in the socket tables.
	Socket *FDSocket `json:"socket,omitempty"`
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

// CgroupReport is a process's cgroup v2: its limits and usage. A
// controller's part is nil when its files are not in the cgroup (the
// controller is not enabled for it, or it is the root cgroup). A limit may
// be set on an ancestor: each limit is the tightest of the cgroup's and its
// ancestors', and MaxFrom names the cgroup it came from when that is not
// the process's own.
type CgroupReport struct {
	// Path is the cgroup's path ("/system.slice/shop.service"), Dir its
	// directory.
	Path string `json:"path"`
	Dir  string `json:"dir"`
	// Memory, CPU and Pids are the controllers' figures.
	Memory *CgroupMemory `json:"memory,omitempty"`
	CPU    *CgroupCPU    `json:"cpu,omitempty"`
	Pids   *CgroupPids   `json:"pids,omitempty"`
}

// CgroupMemory is a cgroup's memory use and limit.
type CgroupMemory struct {
	// CurrentBytes is memory.current: the memory charged to the cgroup,
	// page cache included.
	CurrentBytes int64 `json:"current_bytes"`
	// MaxBytes is memory.max, the limit at which the kernel reclaims and
	// then OOM-kills; NoLimit (-1, null in JSON) means none.
	MaxBytes Limit  `json:"max_bytes"`
	MaxFrom  string `json:"max_from,omitempty"`
	// OOMKills is the oom_kill count from memory.events: processes of
	// the cgroup killed for exceeding it.
	OOMKills uint64 `json:"oom_kills"`
}

// CgroupCPU is a cgroup's CPU quota and how often it was throttled.
type CgroupCPU struct {
	// QuotaCPUs is cpu.max's quota over its period: how many CPUs' worth
	// of time the cgroup may use; -1 (null in JSON) means no quota.
	QuotaCPUs CPULimit `json:"quota_cpus"`
	// Quota and Period are cpu.max's figures (Quota nil, null in JSON, for
	// none); in JSON milliseconds.
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
	Current int64 `json:"current"`
	// Max is pids.max, or NoLimit (-1, null in JSON) for none.
	Max     Limit  `json:"max"`
	MaxFrom string `json:"max_from,omitempty"`
}

// rlimitName names a resource limit (RLIMIT_NOFILE, ...) and its unit.
type rlimitName struct {
	resource   int
	name, unit string
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
	r.addLimits()
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

// addLimits fills in r.Limits from the figures collected.
func (r *ProcessReport) addLimits() {
	add := func(name string, used, limit int64, unit string) {
		if limit <= 0 || used < 0 {
			return
		}
		pct := float64(used) / float64(limit) * 100
		r.Limits = append(r.Limits, LimitUse{Name: name, Used: used, Limit: limit, Unit: unit,
			Percent: math.Round(pct*10) / 10, Near: pct >= NearLimitPercent})
	}
	if r.FDs != nil {
		add("fds", int64(r.FDs.Count), int64(r.FDs.Limit), "count")
	}
	if u := r.Usage; u != nil {
		add("cpu time", int64((u.UserCPU + u.SystemCPU).D().Seconds()), r.rlimit("cpu"), "seconds")
		if u.VirtualBytes > 0 {
			add("address space", u.VirtualBytes, r.rlimit("as"), "bytes")
		}
	}
	if cg := r.Cgroup; cg != nil {
		if m := cg.Memory; m != nil {
			add("cgroup memory", m.CurrentBytes, int64(m.MaxBytes), "bytes")
		}
		if pids := cg.Pids; pids != nil {
			add("cgroup pids", pids.Current, int64(pids.Max), "count")
		}
	}
}

// WriteText writes r as a headline, the limits in use with those near
// their limits flagged, the resource usage, the rlimits, the cgroup, the
// descriptors and the notes.
func (r *ProcessReport) WriteText(w io.Writer) error {
	return writeBuffered(w, "process", r == nil, func(buf *bytes.Buffer) { r.writeText(buf) })
}

func (r *ProcessReport) writeText(buf *bytes.Buffer) {
	r.writeHeadline(buf)
	r.writeLimits(buf)
	if u := r.Usage; u != nil {
		u.writeText(buf)
	}
	r.writeRlimits(buf)
	if cg := r.Cgroup; cg != nil {
		cg.writeText(buf, r)
	}
	if fds := r.FDs; fds != nil {
		fds.writeText(buf)
	}
	r.writeNotes(buf)
}

// writeHeadline writes who the process is, how many figures are near their
// limits, and the Go runtime's settings.
func (r *ProcessReport) writeHeadline(buf *bytes.Buffer) {
	fmt.Fprintf(buf, "ppid %d, uid %d (euid %d), gid %d (egid %d)", r.PPID, r.UID, r.EUID, r.GID, r.EGID)
	near := 0
	for _, l := range r.Limits {
		if l.Near {
			near++
		}
	}
	switch {
	case near == 1:
		buf.WriteString(" — 1 figure NEAR ITS LIMIT")
	case near > 1:
		fmt.Fprintf(buf, " — %d figures NEAR THEIR LIMITS", near)
	}
	buf.WriteString("\n")
	fmt.Fprintf(buf, "executable = %s\ncwd = %s\n", textfmt.Escape(r.Executable), textfmt.Escape(r.Cwd))
	gomemlimit := "unlimited"
	if r.GOMEMLIMIT != math.MaxInt64 {
		gomemlimit = textfmt.Bytes(uint64(max(r.GOMEMLIMIT, 0)))
	}
	fmt.Fprintf(buf, "GOMAXPROCS %d, GOMEMLIMIT %s\n", r.GOMAXPROCS, gomemlimit)
}

// writeLimits writes the figures that have limits, those near them
// flagged.
func (r *ProcessReport) writeLimits(buf *bytes.Buffer) {
	if len(r.Limits) == 0 {
		return
	}
	buf.WriteString("\nlimits:\n")
	tw := newTable(buf)
	for _, l := range r.Limits {
		flag := ""
		if l.Near {
			flag = "\tNEAR LIMIT"
		}
		fmt.Fprintf(tw, "  %s\t%s / %s\t(%.0f%%)%s\n", textfmt.Escape(l.Name), limitFigure(l.Used, l.Unit), limitFigure(l.Limit, l.Unit),
			l.Percent, flag)
	}
	tw.Flush()
}

func (u *ResourceUsage) writeText(buf *bytes.Buffer) {
	buf.WriteString("\nusage:\n")
	fmt.Fprintf(buf, "  cpu: user %v, system %v\n", u.UserCPU.D().Round(time.Millisecond), u.SystemCPU.D().Round(time.Millisecond))
	fmt.Fprintf(buf, "  memory: max rss %s", textfmt.Bytes(uint64(max(u.MaxRSSBytes, 0))))
	if u.RSSBytes > 0 {
		fmt.Fprintf(buf, ", rss %s, virtual %s", textfmt.Bytes(uint64(u.RSSBytes)), textfmt.Bytes(uint64(max(u.VirtualBytes, 0))))
	}
	buf.WriteString("\n")
	fmt.Fprintf(buf, "  page faults: %s minor, %s major\n", textfmt.Commas(int(u.MinorFaults)), textfmt.Commas(int(u.MajorFaults)))
	fmt.Fprintf(buf, "  context switches: %s voluntary, %s involuntary\n",
		textfmt.Commas(int(u.VoluntarySwitches)), textfmt.Commas(int(u.InvoluntarySwitches)))
}

// writeRlimits writes the resource limits as a table.
func (r *ProcessReport) writeRlimits(buf *bytes.Buffer) {
	if len(r.Rlimits) == 0 {
		return
	}
	buf.WriteString("\nrlimits:\n")
	tw := newTable(buf)
	fmt.Fprintln(tw, "  NAME\tSOFT\tHARD\tUNIT")
	for _, l := range r.Rlimits {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", textfmt.Escape(l.Name), rlimitText(l.Soft), rlimitText(l.Hard), textfmt.Escape(l.Unit))
	}
	tw.Flush()
}

func (r *ProcessReport) writeNotes(buf *bytes.Buffer) {
	if len(r.Notes) == 0 {
		return
	}
	buf.WriteString("\nnotes:\n")
	for _, n := range r.Notes {
		fmt.Fprintf(buf, "  - %s\n", textfmt.Escape(n))
	}
}

func (cg *CgroupReport) writeText(buf *bytes.Buffer, r *ProcessReport) {
	fmt.Fprintf(buf, "\ncgroup v2 %s (%s):\n", textfmt.Escape(cg.Path), textfmt.Escape(cg.Dir))
	from := func(s string) string {
		if s == "" {
			return ""
		}
		return " (set on " + textfmt.Escape(s) + ")"
	}
	if m := cg.Memory; m != nil {
		fmt.Fprintf(buf, "  memory: %s", textfmt.Bytes(uint64(max(m.CurrentBytes, 0))))
		if m.MaxBytes >= 0 {
			fmt.Fprintf(buf, " of memory.max %s%s", textfmt.Bytes(uint64(m.MaxBytes)), from(m.MaxFrom))
		} else {
			buf.WriteString(", no memory.max")
		}
		fmt.Fprintf(buf, "; %s\n", textfmt.Plural(int(min(m.OOMKills, math.MaxInt32)), "OOM kill"))
		if m.MaxBytes >= 0 && r.GOMEMLIMIT == math.MaxInt64 {
			buf.WriteString("    GOMEMLIMIT is not set: the Go GC does not know of this limit\n")
		}
	} else {
		buf.WriteString("  memory: no memory controller files\n")
	}
	if c := cg.CPU; c != nil {
		if c.QuotaCPUs >= 0 {
			var quota Millis
			if c.Quota != nil {
				quota = *c.Quota
			}
			fmt.Fprintf(buf, "  cpu: quota %s CPUs (%v per %v)%s, GOMAXPROCS %d",
				strconv.FormatFloat(float64(c.QuotaCPUs), 'f', -1, 64), quota, c.Period, from(c.MaxFrom), r.GOMAXPROCS)
		} else {
			fmt.Fprintf(buf, "  cpu: no quota, GOMAXPROCS %d", r.GOMAXPROCS)
		}
		if c.Periods > 0 {
			fmt.Fprintf(buf, "; throttled in %s of %s periods (%s%%), %v in all",
				textfmt.Commas(int(min(c.ThrottledPeriods, math.MaxInt32))), textfmt.Commas(int(min(c.Periods, math.MaxInt32))),
				strconv.FormatFloat(math.Round(float64(c.ThrottledPeriods)/float64(c.Periods)*1000)/10, 'f', -1, 64),
				c.Throttled.D().Round(time.Millisecond))
		}
		buf.WriteString("\n")
	} else {
		buf.WriteString("  cpu: no cpu controller files\n")
	}
	if pids := cg.Pids; pids != nil {
		fmt.Fprintf(buf, "  pids: %s", textfmt.Commas(int(pids.Current)))
		if pids.Max >= 0 {
			fmt.Fprintf(buf, " of pids.max %s%s\n", textfmt.Commas(int(pids.Max)), from(pids.MaxFrom))
		} else {
			buf.WriteString(", no pids.max\n")
		}
	} else {
		buf.WriteString("  pids: no pids controller files\n")
	}
}

func (f *FDReport) writeText(buf *bytes.Buffer) {
	fmt.Fprintf(buf, "\nopen fds: %s", textfmt.Commas(f.Count))
	if f.Limit >= 0 {
		fmt.Fprintf(buf, " of %s", textfmt.Commas(int(f.Limit)))
	}
	if len(f.Kinds) > 0 {
		buf.WriteString(" — ")
		buf.WriteString(countsText(f.Kinds))
	}
	if f.Unclassified > 0 {
		fmt.Fprintf(buf, ", %s not classified", textfmt.Commas(f.Unclassified))
	}
	buf.WriteString("\n")
	if len(f.SocketStates) > 0 {
		fmt.Fprintf(buf, "sockets: %s\n", countsText(f.SocketStates))
	}
	if len(f.List) > 0 {
		tw := newTable(buf)
		fmt.Fprintln(tw, "  FD\tKIND\tTARGET")
		for _, fd := range f.List {
			target := textfmt.Escape(fd.Target)
			if s := fd.Socket; s != nil {
				target = s.Proto
				if s.Type != "" {
					target += "/" + s.Type
				}
				local := s.Local
				if local == "" {
					local = "(unbound)"
				}
				target += " " + textfmt.Escape(local)
				if s.Remote != "" {
					target += " -> " + textfmt.Escape(s.Remote)
				}
				target += " " + textfmt.Escape(s.State)
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\n", fd.FD, textfmt.Escape(fd.Kind), target)
		}
		tw.Flush()
	}
	if f.Omitted > 0 {
		fmt.Fprintf(buf, "  ... %s not listed (max_fds = %d)\n", textfmt.Plural(f.Omitted, "fd"), f.MaxFDs)
	}
	if len(f.Repeated) > 0 {
		buf.WriteString("repeated targets:\n")
		for _, t := range f.Repeated {
			fmt.Fprintf(buf, "  %s × %s\n", textfmt.Commas(t.Count), textfmt.Escape(t.Target))
		}
	}
}

// limitFigure formats a figure of a LimitUse.
func limitFigure(v int64, unit string) string {
	switch unit {
	case "bytes":
		return textfmt.Bytes(uint64(max(v, 0)))
	case "seconds":
		return (time.Duration(v) * time.Second).String()
	}
	return strconv.FormatInt(v, 10)
}

// rlimitText formats an rlimit value.
func rlimitText(v Limit) string {
	if v < 0 {
		return "unlimited"
	}
	return strconv.FormatInt(int64(v), 10)
}
