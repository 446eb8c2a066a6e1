package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// Stat holds the fields gmr uses from a stat file, /proc/<pid>/stat or
// /proc/<pid>/task/<tid>/stat. Field numbers refer to proc(5).
type Stat struct {
	// PID is the process or thread id (field 1).
	PID int
	// Comm is the command or thread name (field 2), without its parentheses.
	Comm string
	// State is the one-letter scheduling state (field 3): 'R', 'S', 'D', ...
	// See [StateName].
	State byte
	// PPID is the parent's process id (field 4).
	PPID int
	// PGRP and Session are the process group and session ids (fields 5, 6).
	PGRP, Session int
	// MinFlt and MajFlt count minor and major page faults (fields 10, 12).
	MinFlt, MajFlt uint64
	// UTime and STime are the CPU time spent in user and kernel mode, in
	// clock ticks (fields 14, 15).
	UTime, STime uint64
	// Priority and Nice are the scheduling priority and nice value (fields 18, 19).
	Priority, Nice int64
	// NumThreads is the number of threads in the process (field 20).
	NumThreads int64
	// StartTime is when the task started, in clock ticks after boot (field 22).
	StartTime uint64
	// VSize is the virtual memory size in bytes (field 23).
	VSize uint64
	// RSS is the resident set size in pages (field 24).
	RSS int64
	// Processor is the CPU the task last ran on (field 39).
	Processor int
}

// statFields is the number of fields Stat needs after the command name: the
// state (field 3) through the processor (field 39). Every kernel since 2.2
// writes at least these.
const statFields = 39 - 2

// ParseStat parses the contents of a stat file. The command name is taken
// from the first '(' to the last ')', since the name itself may contain
// parentheses and spaces. Fields beyond those Stat holds are ignored, so
// newer kernels' additions do not break it.
func ParseStat(b []byte) (Stat, error) {
	st, err := parseStat(b)
	if err != nil {
		return Stat{}, fmt.Errorf("procfs: parse stat: %w", err)
	}
	return st, nil
}

func parseStat(b []byte) (Stat, error) {
	var st Stat
	b = bytes.TrimSuffix(b, []byte("\n"))
	if len(b) == 0 {
		return st, errors.New("empty")
	}
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	switch {
	case open < 0:
		return st, fmt.Errorf(`no "(" opening the command name in %q`, clip(b))
	case end < open:
		return st, fmt.Errorf(`no ")" closing the command name in %q`, clip(b))
	case open < 2 || b[open-1] != ' ':
		return st, fmt.Errorf(`want "<pid> (" at the start, got %q`, clip(b))
	}
	pid, err := strconv.Atoi(string(b[:open-1]))
	if err != nil || pid < 0 || strconv.Itoa(pid) != string(b[:open-1]) {
		return st, fmt.Errorf("field 1 (pid) %q: not a process id", clip(b[:open-1]))
	}
	st.PID = pid
	st.Comm = string(b[open+1 : end])

	rest := b[end+1:]
	if len(rest) == 0 || rest[0] != ' ' {
		return st, fmt.Errorf(`want " " after the command name, got %q`, clip(rest))
	}
	f := bytes.Split(rest[1:], []byte(" "))
	if len(f) < statFields {
		return st, fmt.Errorf("truncated: %d fields after the command name, want at least %d", len(f), statFields)
	}
	for i, v := range f[:statFields] {
		if len(v) == 0 {
			return st, fmt.Errorf("field %d is empty", i+3)
		}
	}
	if len(f[0]) != 1 {
		return st, fmt.Errorf("field 3 (state) %q: want one letter", clip(f[0]))
	}
	st.State = f[0][0]

	p := fieldParser{f: f}
	st.PPID = int(p.int(4, "ppid", 32))
	st.PGRP = int(p.int(5, "pgrp", 32))
	st.Session = int(p.int(6, "session", 32))
	st.MinFlt = p.uint(10, "minflt")
	st.MajFlt = p.uint(12, "majflt")
	st.UTime = p.uint(14, "utime")
	st.STime = p.uint(15, "stime")
	st.Priority = p.int(18, "priority", 64)
	st.Nice = p.int(19, "nice", 64)
	st.NumThreads = p.int(20, "num_threads", 64)
	st.StartTime = p.uint(22, "starttime")
	st.VSize = p.uint(23, "vsize")
	st.RSS = p.int(24, "rss", 64)
	st.Processor = int(p.int(39, "processor", 32))
	if p.err != nil {
		return Stat{}, p.err
	}
	return st, nil
}

// fieldParser converts stat fields to numbers, keeping the first error.
type fieldParser struct {
	f   [][]byte
	err error
}

// raw returns proc(5) field n; the fields after the command name start at 3.
func (p *fieldParser) raw(n int) []byte { return p.f[n-3] }

func (p *fieldParser) int(n int, name string, bits int) int64 {
	v, err := strconv.ParseInt(string(p.raw(n)), 10, bits)
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("field %d (%s) %q: not an integer", n, name, clip(p.raw(n)))
	}
	return v
}

func (p *fieldParser) uint(n int, name string) uint64 {
	v, err := strconv.ParseUint(string(p.raw(n)), 10, 64)
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("field %d (%s) %q: not an unsigned integer", n, name, clip(p.raw(n)))
	}
	return v
}

// clip shortens b for an error message.
func clip(b []byte) []byte {
	const max = 64
	if len(b) > max {
		return append(b[:max:max], "..."...)
	}
	return b
}

// StateName returns the word for a one-letter task state, as the kernel
// writes it in /proc/<pid>/status: 'R' is "running", 'S' "sleeping", 'D'
// "disk sleep" and so on. An unknown letter gives "unknown".
func StateName(state byte) string {
	switch state {
	case 'R':
		return "running"
	case 'S':
		return "sleeping"
	case 'D':
		return "disk sleep"
	case 'T':
		return "stopped"
	case 't':
		return "tracing stop"
	case 'Z':
		return "zombie"
	case 'X', 'x':
		return "dead"
	case 'I':
		return "idle"
	case 'P':
		return "parked"
	case 'K':
		return "wakekill"
	case 'W':
		return "waking"
	}
	return "unknown"
}
