package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gmr-go/gmr/formatters"
)

func dumpCommand() *command {
	return &command{
		name:  "dump",
		args:  "[--format=text|json] [--timeout=D] PID",
		short: "ask a running gmr service for a report and print it",
		long: `Dump asks the process PID for a Guru Meditation Report, waits for the report
file to appear in its report directory, and prints it.

It asks the way the process listens: through its trigger file when it has
one, else with its report signal. It learns them from the marker gmr.Setup
writes ($XDG_RUNTIME_DIR/gmr/<pid>.json, else $TMPDIR/gmr-<uid>/<pid>.json),
which knows the options set in code, or else from GMR_SIGNAL,
GMR_TRIGGER_FILE and GMR_DIR in /proc/PID/environ. It never sends a signal
on a guess: without a marker and without those variables it refuses. It
refuses a process whose build info (of /proc/PID/exe) does not include
github.com/gmr-go/gmr, or whose function table does not name gmr.Setup,
and sends it nothing.

When the process writes its reports to stderr, dump says where to read them
(journalctl -u UNIT, kubectl logs POD, docker logs, or the file behind its
fd 2, from which it prints the report when it can).

Dump works on Linux. It needs to read /proc/PID/exe and /proc/PID/environ
and to signal the process: run it as the service's user or as root.
`,
		flags: func(fs *flag.FlagSet) {
			fs.String("format", "", "print the report as `text` or json (default: as the service wrote it; a text report cannot become JSON)")
			fs.Duration("timeout", 30*time.Second, "how long to wait for the report")
		},
		run: runDump,
	}
}

// convert returns a report's bytes in the format asked for: "" leaves them
// as they are.
func convert(b []byte, format string) ([]byte, error) {
	switch format {
	case "":
		return b, nil
	case "text":
		rf, err := parseReport(b)
		if err != nil {
			if bytes.Contains(b, []byte(formatters.Footer)) {
				return b, nil // it is a text report already
			}
			return nil, err
		}
		var buf bytes.Buffer
		if err := (formatters.Text{}).Format(&buf, toReport(rf)); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case "json":
		rf, err := parseReport(b)
		if err != nil {
			return nil, fmt.Errorf("the service wrote a text report, which gmr cannot turn into JSON (set GMR_FORMAT=json): %w", err)
		}
		var buf bytes.Buffer
		if json.Indent(&buf, bytes.TrimSpace(b), "", "  ") == nil {
			return append(buf.Bytes(), '\n'), nil // json or jsonl: one object
		}
		// jsonl-sections: the records put back together as one report.
		whole, ok, err := rf.wholeJSON()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: neither one JSON report nor jsonl-sections records", errNotJSON)
		}
		buf.Reset()
		if err := json.Indent(&buf, whole, "", "  "); err != nil {
			return nil, err
		}
		return append(buf.Bytes(), '\n'), nil
	}
	return nil, usageError("--format is text or json, not %q", format)
}

// isReportName reports whether a file name is a report's, not a profile's
// or a crash file's.
func isReportName(n string) bool {
	if strings.HasSuffix(n, "-crash.txt") {
		return false
	}
	ext := filepath.Ext(n)
	if ext != ".json" && ext != ".txt" && ext != ".jsonl" {
		return false
	}
	base := strings.TrimSuffix(n, ext)
	i := strings.LastIndexByte(base, '-')
	if i < 0 || len(base)-i-1 < 6 {
		return false
	}
	_, err := strconv.Atoi(base[i+1:])
	return err == nil
}

// reportFiles lists the report files of pid in dir: the names gmr gives
// them, <service>-<time>-<pid>-<seq>.<ext>, without the profiles, crash
// files and hidden temporary files.
func reportFiles(dir string, pid int) (map[string]bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	mark := "-" + strconv.Itoa(pid) + "-"
	out := map[string]bool{}
	for _, de := range entries {
		n := de.Name()
		if strings.HasPrefix(n, ".") || !de.Type().IsRegular() || !strings.Contains(n, mark) || !isReportName(n) {
			continue
		}
		out[n] = true
	}
	return out, nil
}

// newest returns the last name, in sort order (which is time order), of
// those in now and not in before.
func newest(now, before map[string]bool) string {
	var best string
	for n := range now {
		if !before[n] && n > best {
			best = n
		}
	}
	return best
}

// pollEvery is how often dump looks for the report.
const pollEvery = 20 * time.Millisecond
