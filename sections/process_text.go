package sections

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gmr-go/gmr/internal/textfmt"
)

// WriteText writes r as a headline, the limits in use with those near
// their limits flagged, the resource usage and where memory went, the
// rlimits, the cgroup, the descriptors and the notes. Sizes are in human
// units (the exact numbers are in JSON); what is unlimited or missing
// alike is folded into one line.
func (r *ProcessReport) WriteText(w io.Writer) error {
	return writeBuffered(w, "process", r == nil, func(buf *bytes.Buffer) { r.writeText(buf) })
}

func (r *ProcessReport) writeText(buf *bytes.Buffer) {
	r.writeHeadline(buf)
	r.writeLimits(buf)
	if u := r.Usage; u != nil {
		u.writeText(buf)
	}
	if m := r.Memory; m != nil {
		if r.Usage == nil {
			buf.WriteString("\nusage:\n")
		}
		m.writeText(buf)
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
	if !r.GOMEMLIMIT.Unlimited() {
		gomemlimit = textfmt.Bytes(uint64(r.GOMEMLIMIT))
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

// writeRlimits writes the resource limits as a table in human units, and
// those unlimited both soft and hard on one line, grouped by unit.
func (r *ProcessReport) writeRlimits(buf *bytes.Buffer) {
	if len(r.Rlimits) == 0 {
		return
	}
	buf.WriteString("\nrlimits:\n")
	var units []string
	unlimited := map[string][]string{}
	tw := newTable(buf)
	rows := 0
	for _, l := range r.Rlimits {
		if l.Soft.Unlimited() && l.Hard.Unlimited() {
			if _, ok := unlimited[l.Unit]; !ok {
				units = append(units, l.Unit)
			}
			unlimited[l.Unit] = append(unlimited[l.Unit], textfmt.Escape(l.Name))
			continue
		}
		if rows == 0 {
			fmt.Fprintln(tw, "  NAME\tSOFT\tHARD\tUNIT")
		}
		rows++
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", textfmt.Escape(l.Name), rlimitText(l.Soft, l.Unit), rlimitText(l.Hard, l.Unit), textfmt.Escape(l.Unit))
	}
	tw.Flush()
	if len(units) > 0 {
		groups := make([]string, len(units))
		for i, unit := range units {
			groups[i] = strings.Join(unlimited[unit], ", ")
			if unit != "" {
				groups[i] += " (" + textfmt.Escape(unit) + ")"
			}
		}
		fmt.Fprintf(buf, "  unlimited (soft and hard): %s\n", strings.Join(groups, "; "))
	}
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

// writeText writes the cgroup: a line per controller read, and the
// controllers without files on one line.
func (cg *CgroupReport) writeText(buf *bytes.Buffer, r *ProcessReport) {
	switch {
	case cg.Mode == "v2" || cg.Mode == "" && cg.Path != "":
		fmt.Fprintf(buf, "\ncgroup v2 %s (%s):\n", textfmt.Escape(cg.Path), textfmt.Escape(cg.Dir))
	case cg.Path != "":
		fmt.Fprintf(buf, "\ncgroup %s: v2 %s (%s)\n", textfmt.Escape(cg.Mode), textfmt.Escape(cg.Path), textfmt.Escape(cg.Dir))
	default:
		fmt.Fprintf(buf, "\ncgroup %s:\n", textfmt.Escape(cg.Mode))
	}
	var none []string
	if m := cg.Memory; m != nil {
		m.writeText(buf, r)
	} else {
		none = append(none, "memory")
	}
	if c := cg.CPU; c != nil {
		c.writeText(buf, r)
	} else {
		none = append(none, "cpu")
	}
	if pids := cg.Pids; pids != nil {
		pids.writeText(buf)
	} else {
		none = append(none, "pids")
	}
	if len(none) > 0 {
		fmt.Fprintf(buf, "  no controller files: %s (not enabled for the cgroup, or the root cgroup)\n", strings.Join(none, ", "))
	}
}

// cgroupFrom says where a limit was set, if not on the cgroup itself.
func cgroupFrom(s string) string {
	if s == "" {
		return ""
	}
	return " (set on " + textfmt.Escape(s) + ")"
}

// cgroupV1 names a v1 controller's cgroup for its line.
func cgroupV1(version int, path, dir string) string {
	if version != 1 {
		return ""
	}
	return " (v1 " + textfmt.Escape(path) + " at " + textfmt.Escape(dir) + ")"
}

func (m *CgroupMemory) writeText(buf *bytes.Buffer, r *ProcessReport) {
	file := "memory.max"
	if m.Version == 1 {
		file = "memory.limit_in_bytes"
	}
	fmt.Fprintf(buf, "  memory%s: working set %s, charged %s", cgroupV1(m.Version, m.Path, m.Dir),
		textfmt.Bytes(uint64(max(m.WorkingSetBytes, 0))), textfmt.Bytes(uint64(max(m.CurrentBytes, 0))))
	if m.MaxBytes >= 0 {
		fmt.Fprintf(buf, ", of %s %s%s", file, textfmt.Bytes(uint64(m.MaxBytes)), cgroupFrom(m.MaxFrom))
	} else {
		fmt.Fprintf(buf, ", no %s", file)
	}
	if m.LimitHits > 0 {
		fmt.Fprintf(buf, "; limit hit %s", textfmt.Plural(int(min(m.LimitHits, math.MaxInt32)), "time"))
	}
	fmt.Fprintf(buf, "; %s\n", textfmt.Plural(int(min(m.OOMKills, math.MaxInt32)), "OOM kill"))
	if m.MaxBytes >= 0 && r.GOMEMLIMIT.Unlimited() {
		buf.WriteString("    GOMEMLIMIT is not set: the Go GC does not know of this limit\n")
	}
}

func (c *CgroupCPU) writeText(buf *bytes.Buffer, r *ProcessReport) {
	fmt.Fprintf(buf, "  cpu%s: ", cgroupV1(c.Version, c.Path, c.Dir))
	if c.QuotaCPUs >= 0 {
		var quota Millis
		if c.Quota != nil {
			quota = *c.Quota
		}
		fmt.Fprintf(buf, "quota %s CPUs (%v per %v)%s, GOMAXPROCS %d",
			strconv.FormatFloat(float64(c.QuotaCPUs), 'f', -1, 64), quota, c.Period, cgroupFrom(c.MaxFrom), r.GOMAXPROCS)
	} else {
		fmt.Fprintf(buf, "no quota, GOMAXPROCS %d", r.GOMAXPROCS)
	}
	if c.Periods > 0 {
		fmt.Fprintf(buf, "; throttled in %s of %s periods (%s%%), %v in all",
			textfmt.Commas(int(min(c.ThrottledPeriods, math.MaxInt32))), textfmt.Commas(int(min(c.Periods, math.MaxInt32))),
			strconv.FormatFloat(math.Round(float64(c.ThrottledPeriods)/float64(c.Periods)*1000)/10, 'f', -1, 64),
			c.Throttled.D().Round(time.Millisecond))
	}
	buf.WriteString("\n")
}

func (p *CgroupPids) writeText(buf *bytes.Buffer) {
	fmt.Fprintf(buf, "  pids%s: %s", cgroupV1(p.Version, p.Path, p.Dir), commasInt64(p.Current))
	if p.Max >= 0 {
		fmt.Fprintf(buf, " of pids.max %s%s\n", commasInt64(int64(p.Max)), cgroupFrom(p.MaxFrom))
	} else {
		buf.WriteString(", no pids.max\n")
	}
}

func (f *FDReport) writeText(buf *bytes.Buffer) {
	fmt.Fprintf(buf, "\nopen fds: %s", textfmt.Commas(f.Count))
	if f.Limit >= 0 {
		fmt.Fprintf(buf, " of %s", textfmt.Commas(int(f.Limit)))
	}
	cut := f.Unclassified > 0
	if len(f.Kinds) > 0 {
		buf.WriteString(" — ")
		if cut {
			fmt.Fprintf(buf, "of the first %s: ", textfmt.Commas(f.Classified))
		}
		buf.WriteString(countsText(f.Kinds))
	}
	if cut {
		fmt.Fprintf(buf, "; %s not classified", textfmt.Commas(f.Unclassified))
	}
	if f.MaxClassified > 0 {
		fmt.Fprintf(buf, " (max_classified = %s)", textfmt.Commas(f.MaxClassified))
	}
	buf.WriteString("\n")
	if len(f.SocketStates) > 0 {
		if cut {
			fmt.Fprintf(buf, "sockets (of the first %s fds): %s\n", textfmt.Commas(f.Classified), countsText(f.SocketStates))
		} else {
			fmt.Fprintf(buf, "sockets: %s\n", countsText(f.SocketStates))
		}
	}
	var own []string
	rows := 0
	tw := newTable(buf)
	for _, fd := range f.List {
		if fd.Gmr != "" {
			own = append(own, fmt.Sprintf("%d %s (%s)", fd.FD, textfmt.Escape(fd.Gmr), fd.targetText()))
			continue
		}
		if rows == 0 {
			fmt.Fprintln(tw, "  FD\tKIND\tTARGET")
		}
		rows++
		fmt.Fprintf(tw, "  %d\t%s\t%s\n", fd.FD, textfmt.Escape(fd.Kind), fd.targetText())
	}
	if len(own) > 0 {
		fmt.Fprintf(buf, "gmr's own: %s\n", strings.Join(own, ", "))
	}
	tw.Flush()
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

// targetText is what fd refers to, its socket's addresses and state if
// known.
func (fd FD) targetText() string {
	s := fd.Socket
	if s == nil {
		return textfmt.Escape(fd.Target)
	}
	target := s.Proto
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
	return target + " " + textfmt.Escape(s.State)
}

// limitFigure formats a figure of a LimitUse.
func limitFigure(v int64, unit string) string {
	switch unit {
	case "bytes":
		return textfmt.Bytes(uint64(max(v, 0)))
	case "seconds":
		return (time.Duration(v) * time.Second).String()
	}
	return commasInt64(v)
}

// rlimitText formats an rlimit value in its unit, for people.
func rlimitText(v Limit, unit string) string {
	if v.Unlimited() {
		return "unlimited"
	}
	switch unit {
	case "bytes":
		return textfmt.Bytes(uint64(v))
	case "seconds":
		if v > math.MaxInt64/Limit(time.Second) {
			break
		}
		return (time.Duration(v) * time.Second).String()
	case "microseconds":
		if v > math.MaxInt64/Limit(time.Microsecond) {
			break
		}
		return (time.Duration(v) * time.Microsecond).String()
	case "count":
		return commasInt64(int64(v))
	}
	return strconv.FormatInt(int64(v), 10)
}

// commasInt64 is textfmt.Commas for an int64, which may not fit an int.
func commasInt64(v int64) string {
	if int64(int(v)) == v {
		return textfmt.Commas(int(v))
	}
	return strconv.FormatInt(v, 10)
}
