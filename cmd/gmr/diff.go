package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gmr-go/gmr/internal/textfmt"
)

func diffCommand() *command {
	return &command{
		name:  "diff",
		args:  "[--json] [--top=N] OLD NEW",
		short: "what changed between two JSON reports of one service",
		long: `Diff compares two JSON reports of one service, OLD taken before NEW, and
prints what changed, largest growth first:

  - goroutine groups, matched by stack (the function, file and line of
    every frame), that appeared, grew, shrank or went away, with counts
    and growth;
  - heap allocation sites (the heap section's top allocations) whose
    in-use bytes grew;
  - open file descriptors by kind, OS threads, RSS and GC figures.

It reads the json, jsonl and jsonl-sections formats; text reports are not
supported (set GMR_FORMAT=json). With --json it writes the comparison as
one JSON object, for scripts.
`,
		flags: func(fs *flag.FlagSet) {
			fs.Bool("json", false, "write the comparison as JSON")
			fs.Int("top", 20, "show at most this many goroutine groups and heap sites (0: all; text only)")
		},
		run: runDiff,
	}
}

// diffResult is the comparison of two reports; its JSON is diff --json's.
type diffResult struct {
	Old        reportRef   `json:"old"`
	New        reportRef   `json:"new"`
	IntervalMS *float64    `json:"interval_ms"`
	Notes      []string    `json:"notes"`
	Goroutines *groupsDiff `json:"goroutines"`
	HeapSites  []siteDiff  `json:"heap_sites"`
	FDKinds    []kindDiff  `json:"fd_kinds"`
	Figures    []figure    `json:"figures"`
}

// reportRef names one of the two reports.
type reportRef struct {
	File    string `json:"file"`
	Service string `json:"service"`
	PID     int    `json:"pid"`
	Time    string `json:"time"`
	Trigger string `json:"trigger"`
}

// groupsDiff compares the goroutine sections.
type groupsDiff struct {
	OldTotal  int         `json:"old_total"`
	NewTotal  int         `json:"new_total"`
	Delta     int         `json:"delta"`
	Changed   []groupDiff `json:"changed"`
	Unchanged int         `json:"unchanged"`
}

// groupDiff is one goroutine group, by stack, in the two reports.
type groupDiff struct {
	// Change is "appeared", "grew", "shrank" or "gone".
	Change   string  `json:"change"`
	OldCount int     `json:"old_count"`
	NewCount int     `json:"new_count"`
	Delta    int     `json:"delta"`
	Frames   []frame `json:"frames"`
}

// siteDiff is one heap allocation site whose in-use bytes grew.
type siteDiff struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	// OldInUseBytes is null when the site was not among OLD's top
	// allocations (it may have been below the cut).
	OldInUseBytes *float64 `json:"old_in_use_bytes"`
	NewInUseBytes float64  `json:"new_in_use_bytes"`
	DeltaBytes    float64  `json:"delta_bytes"`
}

// kindDiff is the count of one kind of file descriptor.
type kindDiff struct {
	Kind  string `json:"kind"`
	Old   int    `json:"old"`
	New   int    `json:"new"`
	Delta int    `json:"delta"`
}

// figure is one number in both reports.
type figure struct {
	Name  string  `json:"name"`
	Old   float64 `json:"old"`
	New   float64 `json:"new"`
	Delta float64 `json:"delta"`
	unit  string  // "bytes", "ms" or "" for text
}

func runDiff(e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 2 {
		return usageError("want two report files, OLD and NEW, got %d arguments", len(args))
	}
	top, _ := strconv.Atoi(flagString(fs, "top"))
	if top < 0 {
		return usageError("--top must not be negative")
	}
	oldR, err := readReport(args[0])
	if err != nil {
		return err
	}
	newR, err := readReport(args[1])
	if err != nil {
		return err
	}
	d := compare(oldR, newR)
	d.Old.File, d.New.File = args[0], args[1]
	if flagBool(fs, "json") {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(d)
	}
	writeDiffText(e.stdout, d, top)
	return nil
}

// compare compares two reports.
func compare(oldR, newR *reportFile) *diffResult {
	d := &diffResult{
		Old:   ref(oldR),
		New:   ref(newR),
		Notes: []string{},
	}
	if oldR.Header.Service != newR.Header.Service {
		d.Notes = append(d.Notes, fmt.Sprintf("the reports are of different services (%q, %q)", oldR.Header.Service, newR.Header.Service))
	} else if oldR.Header.PID != newR.Header.PID || oldR.Header.Host != newR.Header.Host {
		d.Notes = append(d.Notes, "the reports are of different processes: counts that grew may have started again from zero")
	}
	t0, t1 := parseTime(oldR.Header.Time), parseTime(newR.Header.Time)
	if !t0.IsZero() && !t1.IsZero() {
		ms := float64(t1.Sub(t0).Microseconds()) / 1e3
		d.IntervalMS = &ms
		if ms < 0 {
			d.Notes = append(d.Notes, "OLD was taken after NEW: the changes are backwards")
		}
	}
	note := func(err error) {
		if err != nil {
			d.Notes = append(d.Notes, err.Error())
		}
	}
	// both decodes a section of both reports, noting why one could not
	// be read, and reports whether both were.
	both := func(name string, v0, v1 any) bool {
		ok0, err0 := oldR.decodeSection(name, v0)
		ok1, err1 := newR.decodeSection(name, v1)
		note(err0)
		note(err1)
		return ok0 && ok1
	}
	var g0, g1 goroutinesData
	gok := both("goroutines", &g0, &g1)
	if gok {
		d.Goroutines = compareGroups(&g0, &g1)
	}
	var h0, h1 heapData
	hok := both("heap", &h0, &h1)
	d.HeapSites = []siteDiff{}
	if hok {
		d.HeapSites = compareSites(h0.TopAllocations, h1.TopAllocations)
	}
	var p0, p1 processData
	pok := both("process", &p0, &p1)
	d.FDKinds = []kindDiff{}
	if pok {
		d.FDKinds = compareKinds(p0.FDs.Kinds, p1.FDs.Kinds)
	}
	var t0d, t1d threadsData
	tok := both("threads", &t0d, &t1d)

	d.Figures = []figure{}
	add := func(ok bool, name, unit string, a, b float64) {
		if ok {
			d.Figures = append(d.Figures, figure{Name: name, Old: a, New: b, Delta: b - a, unit: unit})
		}
	}
	add(gok, "goroutines", "", float64(g0.Total), float64(g1.Total))
	add(tok, "os_threads", "", float64(t0d.OSThreads), float64(t1d.OSThreads))
	add(pok, "rss_bytes", "bytes", p0.Usage.RSSBytes, p1.Usage.RSSBytes)
	add(pok, "fds", "", float64(p0.FDs.Count), float64(p1.FDs.Count))
	add(hok, "heap_in_use_bytes", "bytes", h0.HeapInUseBytes, h1.HeapInUseBytes)
	add(hok, "heap_alloc_bytes", "bytes", h0.HeapAllocBytes, h1.HeapAllocBytes)
	add(hok, "heap_objects", "", h0.HeapObjects, h1.HeapObjects)
	add(hok, "heap_sys_bytes", "bytes", h0.HeapSysBytes, h1.HeapSysBytes)
	add(hok, "sys_bytes", "bytes", h0.SysBytes, h1.SysBytes)
	add(hok, "next_gc_bytes", "bytes", h0.NextGCBytes, h1.NextGCBytes)
	add(hok, "gc_cycles", "", h0.GCCycles, h1.GCCycles)
	add(hok, "gc_forced_cycles", "", h0.GCForcedCycles, h1.GCForcedCycles)
	add(hok, "gc_cpu_fraction", "", h0.GCCPUFraction, h1.GCCPUFraction)
	add(hok, "gc_pause_p99_ms", "ms", h0.GCPauses.P99MS, h1.GCPauses.P99MS)
	add(hok, "gc_pause_max_ms", "ms", h0.GCPauses.MaxMS, h1.GCPauses.MaxMS)
	return d
}

func ref(r *reportFile) reportRef {
	return reportRef{Service: r.Header.Service, PID: r.Header.PID, Time: r.Header.Time, Trigger: r.Header.Trigger}
}

// stackKey is a goroutine group's identity across reports: the function,
// file and line of each frame. Groups of one stack in different states
// count as one.
func stackKey(frames []frame) string {
	var b strings.Builder
	for _, f := range frames {
		b.WriteString(f.Function)
		b.WriteByte('\x00')
		b.WriteString(f.File)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(f.Line))
		b.WriteByte('\n')
	}
	return b.String()
}

// compareGroups matches goroutine groups by stack and sorts the changed
// ones by growth, largest first; those that shrank come last, largest
// shrink last.
func compareGroups(g0, g1 *goroutinesData) *groupsDiff {
	type entry struct {
		frames   []frame
		old, new int
	}
	byKey := map[string]*entry{}
	var order []string
	tally := func(groups []group, isNew bool) {
		for _, g := range groups {
			k := stackKey(g.Frames)
			e := byKey[k]
			if e == nil {
				e = &entry{frames: g.Frames}
				byKey[k] = e
				order = append(order, k)
			}
			if isNew {
				e.new += g.Count
			} else {
				e.old += g.Count
			}
		}
	}
	tally(g0.Groups, false)
	tally(g1.Groups, true)
	out := &groupsDiff{OldTotal: g0.Total, NewTotal: g1.Total, Delta: g1.Total - g0.Total, Changed: []groupDiff{}}
	for _, k := range order {
		e := byKey[k]
		if e.old == e.new {
			out.Unchanged++
			continue
		}
		gd := groupDiff{OldCount: e.old, NewCount: e.new, Delta: e.new - e.old, Frames: e.frames}
		switch {
		case e.old == 0:
			gd.Change = "appeared"
		case e.new == 0:
			gd.Change = "gone"
		case e.new > e.old:
			gd.Change = "grew"
		default:
			gd.Change = "shrank"
		}
		out.Changed = append(out.Changed, gd)
	}
	slices.SortStableFunc(out.Changed, func(a, b groupDiff) int { return cmp.Compare(b.Delta, a.Delta) })
	return out
}

// compareSites returns the heap allocation sites whose in-use bytes grew,
// largest growth first.
func compareSites(a0, a1 []alloc) []siteDiff {
	key := func(a alloc) string { return a.Function + "\x00" + a.File + ":" + strconv.Itoa(a.Line) }
	old := map[string]float64{}
	for _, a := range a0 {
		old[key(a)] += a.InUseBytes
	}
	merged := map[string]*siteDiff{}
	var order []string
	for _, a := range a1 {
		k := key(a)
		if s := merged[k]; s != nil {
			s.NewInUseBytes += a.InUseBytes
			continue
		}
		s := &siteDiff{Function: a.Function, File: a.File, Line: a.Line, NewInUseBytes: a.InUseBytes}
		if v, ok := old[k]; ok {
			s.OldInUseBytes = &v
		}
		merged[k] = s
		order = append(order, k)
	}
	out := []siteDiff{}
	for _, k := range order {
		s := merged[k]
		var was float64
		if s.OldInUseBytes != nil {
			was = *s.OldInUseBytes
		}
		s.DeltaBytes = s.NewInUseBytes - was
		if s.DeltaBytes > 0 {
			out = append(out, *s)
		}
	}
	slices.SortStableFunc(out, func(a, b siteDiff) int { return cmp.Compare(b.DeltaBytes, a.DeltaBytes) })
	return out
}

// compareKinds compares fd counts by kind, largest growth first.
func compareKinds(k0, k1 map[string]int) []kindDiff {
	out := []kindDiff{}
	for k, n := range k1 {
		out = append(out, kindDiff{Kind: k, Old: k0[k], New: n, Delta: n - k0[k]})
	}
	for k, n := range k0 {
		if _, ok := k1[k]; !ok {
			out = append(out, kindDiff{Kind: k, Old: n, Delta: -n})
		}
	}
	slices.SortFunc(out, func(a, b kindDiff) int {
		return cmp.Or(cmp.Compare(b.Delta, a.Delta), strings.Compare(a.Kind, b.Kind))
	})
	return out
}

// writeDiffText writes the comparison for people.
func writeDiffText(w io.Writer, d *diffResult, top int) {
	fmt.Fprintf(w, "OLD %s: %s pid %d at %s (%s)\n", d.Old.File, d.Old.Service, d.Old.PID, d.Old.Time, d.Old.Trigger)
	fmt.Fprintf(w, "NEW %s: %s pid %d at %s (%s)\n", d.New.File, d.New.Service, d.New.PID, d.New.Time, d.New.Trigger)
	if d.IntervalMS != nil {
		fmt.Fprintf(w, "interval: %v\n", time.Duration(*d.IntervalMS*float64(time.Millisecond)).Round(time.Millisecond))
	}
	for _, n := range d.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	if g := d.Goroutines; g != nil {
		fmt.Fprintf(w, "\nGoroutines: %d -> %d (%s); %s changed, %d unchanged\n", g.OldTotal, g.NewTotal, signed(float64(g.Delta), ""), textfmt.Plural(len(g.Changed), "group"), g.Unchanged)
		for i, c := range g.Changed {
			if top > 0 && i == top {
				fmt.Fprintf(w, "  ... %d more (--top=0 shows all)\n", len(g.Changed)-top)
				break
			}
			fmt.Fprintf(w, "  %6s  %5d -> %-5d %-8s %s\n", signed(float64(c.Delta), ""), c.OldCount, c.NewCount, c.Change, growth(c.OldCount, c.NewCount))
			frames := c.Frames
			skip := 0
			for skip < len(frames)-1 && strings.HasPrefix(frames[skip].Function, "runtime.") {
				skip++
			}
			if skip > 0 {
				fmt.Fprintf(w, "          %s  [+%s]\n", frames[0].Function, textfmt.Plural(skip-1, "runtime frame"))
			}
			for j, f := range frames[skip:] {
				if j == 4 {
					fmt.Fprintf(w, "          ... %s\n", textfmt.Plural(len(frames)-skip-j, "more frame"))
					break
				}
				fmt.Fprintf(w, "          %s\n              %s:%d\n", f.Function, f.File, f.Line)
			}
		}
	}
	if len(d.HeapSites) > 0 {
		fmt.Fprintf(w, "\nHeap allocation sites that grew (in-use bytes):\n")
		for i, s := range d.HeapSites {
			if top > 0 && i == top {
				fmt.Fprintf(w, "  ... %d more\n", len(d.HeapSites)-top)
				break
			}
			was := "(not in OLD's top sites)"
			if s.OldInUseBytes != nil {
				was = bytesText(*s.OldInUseBytes)
			}
			fmt.Fprintf(w, "  %s  %s -> %s  %s\n      %s:%d\n", signed(s.DeltaBytes, "bytes"), was, bytesText(s.NewInUseBytes), s.Function, s.File, s.Line)
		}
	}
	if len(d.FDKinds) > 0 {
		fmt.Fprintf(w, "\nFile descriptors by kind:")
		same := 0
		for _, k := range d.FDKinds {
			if k.Delta == 0 {
				same++
				continue
			}
			fmt.Fprintf(w, "\n  %-12s %5d -> %-5d (%s)", k.Kind, k.Old, k.New, signed(float64(k.Delta), ""))
		}
		if same == len(d.FDKinds) {
			fmt.Fprintf(w, " no change\n")
		} else {
			fmt.Fprintf(w, "\n")
		}
	}
	if len(d.Figures) > 0 {
		fmt.Fprintf(w, "\nFigures:\n")
		for _, f := range d.Figures {
			fmt.Fprintf(w, "  %-18s %s -> %s (%s)\n", f.Name, num(f.Old, f.unit), num(f.New, f.unit), signed(f.Delta, f.unit))
		}
	}
}

// growth says how much a count grew, as a factor or a percentage.
func growth(old, new int) string {
	if old == 0 {
		return "(new)"
	}
	if new == 0 {
		return "(gone)"
	}
	return fmt.Sprintf("(%+.0f%%)", float64(new-old)*100/float64(old))
}

// signed writes a change with its sign; bytes also in binary units.
func signed(v float64, unit string) string {
	s := num(v, unit)
	if v > 0 {
		return "+" + s
	}
	return s
}

// num writes a figure: integers exactly, bytes with a human unit beside.
func num(v float64, unit string) string {
	switch unit {
	case "bytes":
		return bytesText(v)
	case "ms":
		return strconv.FormatFloat(v, 'f', -1, 64) + " ms"
	}
	if v == float64(int64(v)) {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// bytesText writes a byte count exactly, with a human unit beside it.
func bytesText(v float64) string {
	n := int64(v)
	abs := max(n, -n)
	const unit = 1024
	if abs < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, suffix := float64(n), ""
	for _, s := range []string{"KiB", "MiB", "GiB", "TiB"} {
		f /= unit
		suffix = s
		if max(f, -f) < unit {
			break
		}
	}
	return fmt.Sprintf("%d B (%.1f %s)", n, f, suffix)
}
