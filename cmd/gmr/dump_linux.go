//go:build linux

package main

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/internal/procfs"
)

// gmrModule is the module a process must be built with for dump to ask it.
const gmrModule = "github.com/gmr-go/gmr"

// markerFile is the marker gmr.Setup writes (gmr/marker.go).
type markerFile struct {
	PID         int    `json:"pid"`
	StartTicks  uint64 `json:"start_ticks"`
	Service     string `json:"service"`
	Signal      string `json:"signal"`
	TriggerFile string `json:"trigger_file"`
	Dir         string `json:"dir"`
	Format      string `json:"format"`
	GMRVersion  string `json:"gmr_version"`
}

// target is what dump knows about the process it asks.
type target struct {
	pid  int
	proc procfs.Proc
	uid  int
	name string // the command name, for messages

	env    map[string]string // nil when unreadable
	envErr error

	signal      syscall.Signal // 0: none known
	triggerFile string
	dir         string // "": reports go to stderr
	format      string
	source      string // where the settings came from
}

func runDump(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 1 {
		return usageError("want one PID, got %d arguments", len(args))
	}
	pid, err := strconv.Atoi(args[0])
	if err != nil || pid <= 0 {
		return usageError("%q is not a process id", args[0])
	}
	format := flagString(fs, "format")
	if format != "" && format != "text" && format != "json" {
		return usageError("--format is text or json, not %q", format)
	}
	timeout := fs.Lookup("timeout").Value.(flag.Getter).Get().(time.Duration)
	if timeout <= 0 {
		return usageError("--timeout must be positive")
	}
	t, err := inspect(pid)
	if err != nil {
		return err
	}
	return t.dump(e, format, timeout)
}

// inspect finds out whether pid is a gmr service and how to ask it for a
// report. It sends nothing.
func inspect(pid int) (*target, error) {
	t := &target{pid: pid, proc: procfs.Default.Proc(pid)}
	fi, err := os.Stat(t.proc.Dir())
	if err != nil {
		return nil, fmt.Errorf("no process %d: %w", pid, err)
	}
	t.uid = int(fi.Sys().(*syscall.Stat_t).Uid)
	t.name, _ = t.proc.Comm()
	if err := t.checkGMR(); err != nil {
		return nil, err
	}
	t.env, t.envErr = readEnviron(filepath.Join(t.proc.Dir(), "environ"))
	if m, path := t.findMarker(); m != nil {
		t.fromMarker(m, path)
		return t, nil
	}
	return t, t.fromEnviron()
}

// checkGMR refuses a process that is not built with gmr.
func (t *target) checkGMR() error {
	exe := filepath.Join(t.proc.Dir(), "exe")
	bi, err := buildinfo.ReadFile(exe)
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("cannot read the executable of process %d (%s) to check that it is built with gmr: %w; run gmr as the process's user or as root", t.pid, t.name, err)
	}
	if err != nil {
		return fmt.Errorf("process %d (%s) is not a Go program built with gmr (%v); gmr dump sends it nothing", t.pid, t.name, err)
	}
	prog := cmpOr(bi.Path, bi.Main.Path, "command-line-arguments")
	dep := bi.Main.Path == gmrModule
	for _, d := range bi.Deps {
		dep = dep || d.Path == gmrModule
	}
	if !dep {
		return fmt.Errorf("process %d (%s) is a Go program (%s) whose build info has no dependency on %s; gmr dump sends it nothing", t.pid, t.name, prog, gmrModule)
	}
	// The module can be there without gmr.Setup in the program: a program
	// of gmr's own module, or one that uses only its formatters.
	if linked, err := linksSetup(exe); err == nil && !linked {
		return fmt.Errorf("process %d (%s) is a Go program (%s) built with the module %s but without %s; gmr dump sends it nothing", t.pid, t.name, prog, gmrModule, setupFunc)
	}
	return nil
}

// setupFunc is the function a program calls to be a gmr service.
const setupFunc = gmrModule + "/gmr.Setup"

// linksSetup reports whether the executable's function table (the Go
// pclntab, which even a stripped binary keeps) names gmr.Setup. An error
// means it could not tell.
func linksSetup(exe string) (bool, error) {
	f, err := elf.Open(exe)
	if err != nil {
		return false, err
	}
	defer f.Close()
	sec := f.Section(".gopclntab")
	if sec == nil || sec.Type == elf.SHT_NOBITS {
		return false, errors.New("no .gopclntab section")
	}
	if sec.Size > maxPclntab {
		return false, fmt.Errorf(".gopclntab is %d bytes, over %d", sec.Size, maxPclntab)
	}
	b, err := sec.Data()
	if err != nil {
		return false, err
	}
	return bytes.Contains(b, []byte(setupFunc+"\x00")), nil
}

// maxPclntab bounds what dump reads of an executable's function table.
const maxPclntab = 512 << 20

// readEnviron reads a NUL-separated environment, bounded.
func readEnviron(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4<<20))
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for kv := range bytes.SplitSeq(b, []byte{0}) {
		if k, v, ok := strings.Cut(string(kv), "="); ok {
			if _, dup := env[k]; !dup {
				env[k] = v
			}
		}
	}
	return env, nil
}

// markerCandidates are the places the process's marker can be, given its
// environment: where gmr.Setup writes it (gmr/marker.go).
func (t *target) markerCandidates() []string {
	name := strconv.Itoa(t.pid) + ".json"
	sub := "gmr-" + strconv.Itoa(t.uid)
	var out []string
	if d := t.env["XDG_RUNTIME_DIR"]; filepath.IsAbs(d) {
		out = append(out, filepath.Join(d, "gmr", name))
	}
	if d := t.env["TMPDIR"]; filepath.IsAbs(d) {
		out = append(out, filepath.Join(d, sub, name))
	}
	out = append(out, filepath.Join("/run/user", strconv.Itoa(t.uid), "gmr", name), filepath.Join("/tmp", sub, name))
	return slices.Compact(out)
}

// findMarker returns the process's marker, checked: it must belong to the
// process's user, in a directory open to no one else, name the pid, and
// carry the process's start time (else it is a stale marker of a process
// that had the pid before, which dump removes when it can).
func (t *target) findMarker() (*markerFile, string) {
	st, _ := t.proc.Stat()
	for _, path := range t.markerCandidates() {
		sweepStale(filepath.Dir(path))
		m, err := readMarker(path, t.uid)
		if err != nil {
			continue
		}
		if m.PID != t.pid || (m.StartTicks != 0 && st.StartTime != 0 && m.StartTicks != st.StartTime) {
			os.Remove(path) // stale: best effort
			continue
		}
		return m, path
	}
	return nil, ""
}

// sweepStale removes, best effort, the markers in dir of processes that
// no longer exist: a process that ended without gmr's Stop leaves its
// marker behind. It looks at 1,000 entries at most.
func sweepStale(dir string) {
	f, err := os.Open(dir)
	if err != nil {
		return
	}
	defer f.Close()
	names, _ := f.Readdirnames(1000)
	for _, n := range names {
		pid, err := strconv.Atoi(strings.TrimSuffix(n, ".json"))
		if err != nil || !strings.HasSuffix(n, ".json") || pid <= 0 {
			continue
		}
		if !alive(pid) {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

// readMarker reads a marker that uid owns, in a directory that uid owns
// and no one else may write to.
func readMarker(path string, uid int) (*markerFile, error) {
	owned := func(fi os.FileInfo) error {
		st := fi.Sys().(*syscall.Stat_t)
		if int(st.Uid) != uid || fi.Mode().Perm()&0o022 != 0 {
			return fmt.Errorf("%s: not the process's own (uid %d, mode %v)", path, st.Uid, fi.Mode().Perm())
		}
		return nil
	}
	di, err := os.Lstat(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	if !di.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", filepath.Dir(path))
	}
	if err := owned(di); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if err := owned(fi); err != nil {
		return nil, err
	}
	var m markerFile
	if err := json.NewDecoder(io.LimitReader(f, 64<<10)).Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}

func (t *target) fromMarker(m *markerFile, path string) {
	t.source = "its marker " + path
	if m.Signal != "" {
		t.signal = unix.SignalNum(m.Signal)
	}
	t.triggerFile, t.dir, t.format = m.TriggerFile, m.Dir, m.Format
}

// fromEnviron takes the settings from GMR_* variables, or explains why
// dump will not ask the process.
func (t *target) fromEnviron() error {
	if t.env == nil {
		return fmt.Errorf("process %d (%s) is built with gmr but has no marker, and its environment is unreadable (%v): gmr dump does not know its signal and will not guess; run gmr as its user or as root", t.pid, t.name, t.envErr)
	}
	t.source = "GMR_* variables in its environment (no marker found: options set in code may differ)"
	if s := t.env["GMR_SIGNAL"]; s != "" {
		n := strings.ToUpper(strings.TrimSpace(s))
		if !strings.HasPrefix(n, "SIG") {
			n = "SIG" + n
		}
		t.signal = unix.SignalNum(n)
		if num, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && num > 0 && num < 65 {
			t.signal = syscall.Signal(num)
		}
	}
	t.triggerFile = t.resolve(t.env["GMR_TRIGGER_FILE"])
	t.dir = t.resolve(t.env["GMR_DIR"])
	t.format = t.env["GMR_FORMAT"]
	if t.signal == 0 && t.triggerFile == "" {
		return fmt.Errorf("process %d (%s) is built with gmr, but it has no marker (it has not called gmr.Setup, or is older than the marker) and no GMR_SIGNAL or GMR_TRIGGER_FILE in its environment: gmr dump does not know how it asks for reports and will not send a signal on a guess. Send it its report signal yourself (kill -USR2 %d if it uses the default) or set GMR_TRIGGER_FILE", t.pid, t.name, t.pid)
	}
	return nil
}

// resolve makes a path from the process's environment absolute, against
// its working directory.
func (t *target) resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	cwd, err := os.Readlink(filepath.Join(t.proc.Dir(), "cwd"))
	if err != nil {
		return p
	}
	return filepath.Join(cwd, p)
}

// dump asks for a report and prints it.
func (t *target) dump(e *env, format string, timeout time.Duration) error {
	var before map[string]bool
	var stderrFile string
	var stderrSize int64
	if t.dir != "" {
		var err error
		if before, err = reportFiles(t.dir, t.pid); err != nil {
			return fmt.Errorf("process %d writes its reports to %s, which gmr cannot read: %w", t.pid, t.dir, err)
		}
	} else if path, fi := t.stderrFile(); fi != nil {
		stderrFile, stderrSize = path, fi.Size()
	}
	how, err := t.request()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	if t.dir == "" {
		return t.fromStderr(e, how, stderrFile, stderrSize, format, deadline)
	}
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		now, err := reportFiles(t.dir, t.pid)
		if err != nil {
			return err
		}
		if name := newest(now, before); name != "" {
			path := filepath.Join(t.dir, name)
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if b, err = convert(b, format); err != nil {
				return err
			}
			if _, err := e.stdout.Write(b); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "gmr dump: report of process %d (asked %s): %s\n", t.pid, how, path)
			return nil
		}
		if !alive(t.pid) {
			return fmt.Errorf("process %d exited before it wrote a report (asked %s)", t.pid, how)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no new report from process %d in %s after %v (asked %s, settings from %s); a report of many goroutines can take longer: try --timeout", t.pid, t.dir, timeout, how, t.source)
		}
		<-tick.C
	}
}

// request asks the process for a report: through its trigger file when it
// has one, else with its signal. It returns how it asked.
func (t *target) request() (string, error) {
	if t.triggerFile != "" {
		err := touch(t.triggerFile)
		if err == nil {
			return "through its trigger file " + t.triggerFile + " (from " + t.source + ")", nil
		}
		if t.signal == 0 {
			return "", fmt.Errorf("cannot touch the trigger file of process %d: %w (a Kubernetes Downward API file is changed through the pod's annotations)", t.pid, err)
		}
	}
	if err := unix.Kill(t.pid, t.signal); err != nil {
		return "", fmt.Errorf("send %s to process %d: %w", unix.SignalName(t.signal), t.pid, err)
	}
	return "with " + unix.SignalName(t.signal) + " (from " + t.source + ")", nil
}

// touch sets the trigger file's modification time to now, creating it
// when it does not exist: either is a request to the watching process.
func touch(path string) error {
	now := time.Now()
	err := os.Chtimes(path, now, now)
	if errors.Is(err, fs.ErrNotExist) {
		var f *os.File
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			err = f.Close()
		}
	}
	return err
}

func alive(pid int) bool {
	return !errors.Is(unix.Kill(pid, 0), unix.ESRCH)
}

// stderrFile returns the regular file behind the process's fd 2, if it is
// one.
func (t *target) stderrFile() (string, os.FileInfo) {
	fd := filepath.Join(t.proc.Dir(), "fd", "2")
	fi, err := os.Stat(fd)
	if err != nil || !fi.Mode().IsRegular() {
		return "", nil
	}
	path, err := os.Readlink(fd)
	if err != nil {
		return "", nil
	}
	return path, fi
}

// fromStderr handles a process that writes its reports to stderr: it
// prints the report from the file behind fd 2 when that is a regular file,
// and otherwise says where to read it.
func (t *target) fromStderr(e *env, how, file string, from int64, format string, deadline time.Time) error {
	if file != "" {
		tick := time.NewTicker(pollEvery)
		defer tick.Stop()
		for {
			b, done := readStderrReport(filepath.Join(t.proc.Dir(), "fd", "2"), from)
			if done {
				out, err := convert(b, format)
				if err != nil {
					return err
				}
				if _, err := e.stdout.Write(out); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "gmr dump: report of process %d (asked %s), from its stderr, the file %s\n", t.pid, how, file)
				return nil
			}
			if time.Now().After(deadline) || !alive(t.pid) {
				break
			}
			<-tick.C
		}
	}
	fmt.Fprintf(e.stderr, "gmr dump: asked process %d for a report %s.\nIt writes its reports to its stderr, not to a directory (set GMR_DIR to have files); read it %s.\n", t.pid, how, t.stderrHint(file))
	return nil
}

// readStderrReport reads what the process wrote to its stderr file after
// offset from, and reports whether a whole report is there: the text
// report's footer, or a JSON report object.
func readStderrReport(path string, from int64) ([]byte, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(f, maxReportBytes))
	if err != nil {
		return nil, false
	}
	if i := bytes.Index(b, []byte(formatters.Footer)); i >= 0 {
		if start := bytes.LastIndex(b[:i], textOpening()); start >= 0 {
			return b[start : i+len(formatters.Footer)+1], true
		}
	}
	if rep, ok := recordsReport(b); ok {
		return rep, true
	}
	// A JSON report: find the line that opens one and decode from it.
	for off := 0; off < len(b); {
		j := bytes.IndexByte(b[off:], '{')
		if j < 0 {
			break
		}
		dec := json.NewDecoder(bytes.NewReader(b[off+j:]))
		var probe struct {
			SchemaVersion string          `json:"schema_version"`
			Sections      json.RawMessage `json:"sections"`
		}
		if dec.Decode(&probe) == nil && probe.SchemaVersion != "" && probe.Sections != nil {
			return b[off+j : off+j+int(dec.InputOffset())], true
		}
		nl := bytes.IndexByte(b[off+j:], '\n')
		if nl < 0 {
			break
		}
		off += j + nl + 1
	}
	return nil, false
}

// recordsReport finds in b, among other log lines, the first
// jsonl-sections report whose records have all arrived, and returns its
// records, one a line.
func recordsReport(b []byte) ([]byte, bool) {
	lines := map[string][][]byte{}
	for line := range bytes.Lines(b) {
		line = bytes.TrimSpace(line)
		if !bytes.HasPrefix(line, []byte(`{"schema_version"`)) {
			continue
		}
		var rec record
		if json.Unmarshal(line, &rec) != nil || rec.ReportID == "" || rec.SectionCount == nil {
			continue
		}
		lines[rec.ReportID] = append(lines[rec.ReportID], line)
		if rec.last() {
			return append(bytes.Join(lines[rec.ReportID], []byte("\n")), '\n'), true
		}
	}
	return nil, false
}

// stderrHint says where the process's stderr goes.
func (t *target) stderrHint(file string) string {
	var hints []string
	if file != "" {
		hints = append(hints, "in the file "+file)
	}
	if lines, err := t.proc.Cgroup(); err == nil {
		for _, l := range lines {
			for _, part := range strings.Split(l.Path, "/") {
				switch {
				case strings.HasSuffix(part, ".service"):
					hints = append(hints, "with journalctl -u "+part)
				case strings.HasPrefix(part, "docker-") && strings.HasSuffix(part, ".scope"):
					id := strings.TrimSuffix(strings.TrimPrefix(part, "docker-"), ".scope")
					hints = append(hints, "with docker logs "+id[:min(12, len(id))])
				}
			}
		}
	}
	if t.env["KUBERNETES_SERVICE_HOST"] != "" {
		pod := cmpOr(t.env["K8S_POD_NAME"], t.env["POD_NAME"], t.env["HOSTNAME"], "POD")
		cmd := "with kubectl logs " + pod
		if ns := cmpOr(t.env["K8S_NAMESPACE"], t.env["POD_NAMESPACE"]); ns != "" {
			cmd += " -n " + ns
		}
		hints = append(hints, cmd)
	}
	if len(hints) == 0 {
		target, err := os.Readlink(filepath.Join(t.proc.Dir(), "fd", "2"))
		if err != nil {
			target = "unreadable: " + err.Error()
		}
		hints = append(hints, "wherever its stderr goes (fd 2 is "+target+"), such as its service manager's log")
	}
	return strings.Join(slices.Compact(hints), ", or ")
}

// textOpening is the first two lines of a text report, its banner.
func textOpening() []byte {
	rule := strings.Repeat("=", formatters.Width)
	const title = "Guru Meditation"
	inner := formatters.Width - 8
	left := (inner - len(title)) / 2
	return []byte(rule + "\n====" + strings.Repeat(" ", left) + title + strings.Repeat(" ", inner-len(title)-left) + "====\n")
}
