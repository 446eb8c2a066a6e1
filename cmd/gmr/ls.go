package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

func lsCommand() *command {
	return &command{
		name:  "ls",
		args:  "[--json] DIR",
		short: "list the reports in a directory",
		long: `Ls lists the reports in DIR, oldest first, one line each: the time, the
service, the pid, what triggered the report, the number of goroutines and
the first finding. It reads JSON reports in full and the header of text
reports (whose goroutines and findings it leaves blank), and skips crash
files, profiles and other files. With --json it writes one JSON object per
report, one a line.
`,
		flags: func(fs *flag.FlagSet) {
			fs.Bool("json", false, "write one JSON object per report, one a line")
		},
		run: runLs,
	}
}

// lsEntry is one report in a directory; its JSON is ls --json's.
type lsEntry struct {
	File       string `json:"file"`
	Time       string `json:"time"`
	Service    string `json:"service"`
	PID        int    `json:"pid"`
	Trigger    string `json:"trigger"`
	Goroutines *int   `json:"goroutines"`
	TopFinding string `json:"top_finding"`
	Error      string `json:"error,omitempty"`
}

func runLs(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 1 {
		return usageError("want one directory, got %d arguments", len(args))
	}
	dir := args[0]
	des, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var out []lsEntry
	for _, de := range des {
		n := de.Name()
		if strings.HasPrefix(n, ".") || !de.Type().IsRegular() || !isReportName(n) {
			continue
		}
		out = append(out, readEntry(filepath.Join(dir, n)))
	}
	slices.SortStableFunc(out, func(a, b lsEntry) int {
		return cmp.Or(strings.Compare(a.Time, b.Time), strings.Compare(a.File, b.File))
	})
	if flagBool(fs, "json") {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		for _, en := range out {
			if err := enc.Encode(en); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tSERVICE\tPID\tTRIGGER\tGOROUTINES\tTOP FINDING\tFILE")
	for _, en := range out {
		g := "-"
		if en.Goroutines != nil {
			g = strconv.Itoa(*en.Goroutines)
		}
		f := cmpOr(en.TopFinding, "-")
		if en.Error != "" {
			f = "(" + en.Error + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", cmpOr(en.Time, "-"), cmpOr(en.Service, "-"), en.PID, cmpOr(en.Trigger, "-"), g, oneLine(f, 60), filepath.Base(en.File))
	}
	return tw.Flush()
}

// oneLine shortens s to n runes, on one line.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// readEntry reads what ls shows of one report.
func readEntry(path string) lsEntry {
	en := lsEntry{File: path}
	rf, err := readReport(path)
	if err != nil {
		if h, ok := readTextHeader(path); ok {
			en.Time, en.Service, en.PID, en.Trigger = h.Time, h.Service, h.PID, h.Trigger
			return en
		}
		en.Error = err.Error()
		return en
	}
	en.Time, en.Service, en.PID, en.Trigger = rf.Header.Time, rf.Header.Service, rf.Header.PID, rf.Header.Trigger
	var g goroutinesData
	if ok, _ := rf.decodeSection("goroutines", &g); ok {
		en.Goroutines = &g.Total
	}
	var f findingsData
	if ok, _ := rf.decodeSection("findings", &f); ok && len(f.Findings) > 0 {
		en.TopFinding = f.Findings[0].Code + ": " + f.Findings[0].Message
	}
	return en
}

// readTextHeader reads the header of a text report: its "key = value"
// lines after the banner.
func readTextHeader(path string) (reportHeader, bool) {
	var h reportHeader
	f, err := os.Open(path)
	if err != nil {
		return h, false
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, 64<<10))
	var banner bool
	for i := 0; sc.Scan() && i < 40; i++ {
		line := sc.Text()
		if strings.Contains(line, "Guru Meditation") {
			banner = true
			continue
		}
		k, v, ok := strings.Cut(line, " = ")
		if !banner || !ok {
			continue
		}
		switch k {
		case "service":
			h.Service = v
		case "pid":
			h.PID, _ = strconv.Atoi(v)
		case "time":
			h.Time = v
		case "trigger":
			h.Trigger = v
		}
	}
	return h, banner
}
