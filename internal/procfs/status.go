package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
)

// Status holds the fields gmr uses from a status file, /proc/<pid>/status
// or /proc/<pid>/task/<tid>/status. A field whose line is missing (kernel
// threads have no Vm lines; very old kernels no context switches) is zero.
type Status struct {
	// Name is the command or thread name, as the kernel escapes it in this
	// file (a newline in the name is written as "\n").
	Name string
	// State is the one-letter scheduling state: 'R', 'S', 'D', ...
	State byte
	// TGID is the thread group id (the process id), PID the task's own id
	// and PPID the parent's process id.
	TGID, PID, PPID int
	// UID and GID are the real, effective, saved and file-system user and
	// group ids.
	UID, GID [4]int
	// FDSize is the number of file descriptor slots allocated.
	FDSize int
	// Threads is the number of threads in the process.
	Threads int
	// VMPeak, VMSize, VMHWM and VMRSS are the peak and current virtual
	// size and the peak and current resident set size, in bytes.
	VMPeak, VMSize, VMHWM, VMRSS uint64
	// RSSAnon, RSSFile and RSSShmem split VMRSS: anonymous memory, file
	// mappings, and shared memory (tmpfs, System V, shared anonymous), in
	// bytes.
	RSSAnon, RSSFile, RSSShmem uint64
	// VoluntarySwitches counts the times the task gave up the CPU (to
	// wait for I/O, a lock, a sleep); InvoluntarySwitches the times the
	// kernel took the CPU away (its time slice ran out, or a task of
	// higher priority woke).
	VoluntarySwitches, InvoluntarySwitches uint64
}

// Status reads and parses the status file.
func (p Proc) Status() (Status, error) {
	path := filepath.Join(p.dir, "status")
	b, err := readFile(path)
	if err != nil {
		return Status{}, err
	}
	st, err := parseStatus(b)
	if err != nil {
		return Status{}, fmt.Errorf("procfs: parse %s: %w", path, err)
	}
	return st, nil
}

// ParseStatus parses the contents of a status file: "Key:\tvalue" lines.
// Lines with keys Status does not hold are ignored, so newer kernels'
// additions do not break it; a malformed value of a key it holds is an
// error.
func ParseStatus(b []byte) (Status, error) {
	st, err := parseStatus(b)
	if err != nil {
		return Status{}, fmt.Errorf("procfs: parse status: %w", err)
	}
	return st, nil
}

func parseStatus(b []byte) (Status, error) {
	var st Status
	if len(bytes.TrimSpace(b)) == 0 {
		return st, errors.New("empty")
	}
	seen := false
	for n := 1; len(b) > 0; n++ {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		if len(line) == 0 {
			continue
		}
		key, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return Status{}, fmt.Errorf("line %d %q: no colon", n, clip(line))
		}
		val = bytes.TrimLeft(val, " \t")
		var err error
		switch string(key) {
		case "Name":
			st.Name, seen = string(val), true
		case "State":
			if len(val) == 0 {
				err = errors.New("empty")
			} else {
				st.State = val[0]
			}
		case "Tgid":
			st.TGID, err = parseID(val)
		case "Pid":
			st.PID, err = parseID(val)
			seen = true
		case "PPid":
			st.PPID, err = parseID(val)
		case "Uid":
			st.UID, err = parseIDs(val)
		case "Gid":
			st.GID, err = parseIDs(val)
		case "FDSize":
			st.FDSize, err = parseID(val)
		case "Threads":
			st.Threads, err = parseID(val)
		case "VmPeak":
			st.VMPeak, err = parseKB(val)
		case "VmSize":
			st.VMSize, err = parseKB(val)
		case "VmHWM":
			st.VMHWM, err = parseKB(val)
		case "VmRSS":
			st.VMRSS, err = parseKB(val)
		case "RssAnon":
			st.RSSAnon, err = parseKB(val)
		case "RssFile":
			st.RSSFile, err = parseKB(val)
		case "RssShmem":
			st.RSSShmem, err = parseKB(val)
		case "voluntary_ctxt_switches":
			st.VoluntarySwitches, err = strconv.ParseUint(string(val), 10, 64)
		case "nonvoluntary_ctxt_switches":
			st.InvoluntarySwitches, err = strconv.ParseUint(string(val), 10, 64)
		}
		if err != nil {
			return Status{}, fmt.Errorf("line %d: %s %q: %w", n, clip(key), clip(val), unwrapNum(err))
		}
	}
	if !seen {
		return Status{}, errors.New(`no "Name" or "Pid" line: not a status file`)
	}
	return st, nil
}

// parseID parses a non-negative int that fits in 32 bits: an id or count.
func parseID(b []byte) (int, error) {
	v, err := strconv.ParseUint(string(b), 10, 31)
	return int(v), err
}

// parseIDs parses the four tab-separated ids of a Uid or Gid line.
func parseIDs(b []byte) ([4]int, error) {
	var ids [4]int
	f := bytes.Fields(b)
	if len(f) != 4 {
		return ids, fmt.Errorf("want 4 ids, got %d", len(f))
	}
	for i, v := range f {
		n, err := strconv.ParseUint(string(v), 10, 32)
		if err != nil {
			return ids, err
		}
		ids[i] = int(n)
	}
	return ids, nil
}

// parseKB parses "1234 kB" into bytes.
func parseKB(b []byte) (uint64, error) {
	num, ok := bytes.CutSuffix(b, []byte(" kB"))
	if !ok {
		return 0, errors.New(`want "<n> kB"`)
	}
	v, err := strconv.ParseUint(string(num), 10, 64)
	if err != nil {
		return 0, err
	}
	if v > (1<<64-1)/1024 {
		return 0, errors.New("out of range")
	}
	return v * 1024, nil
}

// unwrapNum shortens strconv's errors, which repeat the input, to their
// cause ("invalid syntax", "value out of range").
func unwrapNum(err error) error {
	if ne, ok := err.(*strconv.NumError); ok {
		return ne.Err
	}
	return err
}
