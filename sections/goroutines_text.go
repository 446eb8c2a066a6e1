package sections

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gmr-go/gmr/internal/textfmt"
)

// WriteText writes r in the text report's layout: a summary line and the
// mode, the waiting-long summary, the leaked goroutines, one line for gmr's
// own goroutines, then each group's count, labels, state, origin, detail
// and stack, then what was omitted.
//
// A stack's leading frames in the runtime, package sync and the standard
// library's internal packages are folded into one line that names the call
// the code made ("sync.(*Mutex).Lock  [+3 runtime frames]"), as panicparse
// does; the data keeps every frame.
func (r *GoroutineReport) WriteText(w io.Writer) error {
	return writeBuffered(w, "goroutine", r == nil, func(buf *bytes.Buffer) { r.writeText(buf) })
}

func (r *GoroutineReport) writeText(buf *bytes.Buffer) {
	fmt.Fprintf(buf, "%s in %s", textfmt.Plural(r.Total, "goroutine"), textfmt.Plural(r.GroupCount, "group"))
	if r.Source != "" {
		fmt.Fprintf(buf, " from the %s", textfmt.Escape(r.Source))
	}
	buf.WriteString("\n")
	writeMode(buf, r)
	writeWaits(buf, &r.WaitingLong)
	writeLeaks(buf, &r.Leaks)
	writeOwn(buf, &r.Own)
	for i := range r.Groups {
		buf.WriteString("\n")
		writeGroup(buf, &r.Groups[i], "")
	}
	writeOmission(buf, "", r.Omitted, "goroutine", "group")
}

func writeMode(buf *bytes.Buffer, r *GoroutineReport) {
	if r.Mode == "" {
		return
	}
	fmt.Fprintf(buf, "%s mode: %s\n", textfmt.Escape(r.Mode), textfmt.Escape(r.ModeReason))
	d := r.Dump
	if d == nil {
		return
	}
	fmt.Fprintf(buf, "  ids, states and waits from a full stack dump of %s (%s), which stopped the program for %v\n",
		textfmt.Plural(d.Goroutines, "goroutine"), textfmt.Bytes(uint64(max(d.Bytes, 0))), d.StopTime.D().Round(time.Microsecond))
	if d.Unmatched > 0 {
		fmt.Fprintf(buf, "  %s changed between the profile and the dump: no group has their detail\n", textfmt.Plural(d.Unmatched, "goroutine"))
	}
	if d.Truncated {
		buf.WriteString("  the dump filled its buffer: goroutines past its end have no detail\n")
	}
	if d.ParseError != "" {
		fmt.Fprintf(buf, "  %s\n", textfmt.Escape(d.ParseError))
	}
}

// waitsHeaderSize is the size of the waiting-long summary's first line.
func waitsHeaderSize(w *GoroutineWaits) int {
	var b bytes.Buffer
	writeWaitsHeader(&b, w, w.Goroutines, len(w.Places))
	return b.Len()
}

func writeWaits(buf *bytes.Buffer, w *GoroutineWaits) {
	places := len(w.Places)
	if w.Omitted != nil {
		places += w.Omitted.Groups
	}
	if !writeWaitsHeader(buf, w, w.Goroutines, places) {
		return
	}
	for i := range w.Places {
		writeWait(buf, &w.Places[i])
	}
	writeOmission(buf, "  ", w.Omitted, "goroutine", "place")
}

// writeWaitsHeader writes the summary's first line and reports whether
// there is more to write.
func writeWaitsHeader(buf *bytes.Buffer, w *GoroutineWaits, goroutines, places int) bool {
	if !w.Available {
		if w.Note != "" {
			buf.WriteString("\nwaiting long: " + textfmt.Escape(w.Note) + "\n")
		}
		return false
	}
	buf.WriteString("\nwaiting long (blocked ")
	if w.MinWait > 0 {
		buf.WriteString(duration(w.MinWait.D()) + " or more")
	} else {
		buf.WriteString("at all")
	}
	buf.WriteString(" on a channel, lock, WaitGroup, Cond or select): ")
	if goroutines == 0 && w.NoGC {
		buf.WriteString(textfmt.Escape(w.Note) + "\n")
		return false
	}
	if goroutines == 0 {
		buf.WriteString("none\n")
		return false
	}
	buf.WriteString(textfmt.Plural(goroutines, "goroutine") + " in " + textfmt.Plural(places, "place") + "\n")
	if w.NoGC && w.Note != "" {
		buf.WriteString("  " + textfmt.Escape(w.Note) + "\n")
	}
	return true
}

// writeWait writes one place of the waiting-long summary:
//
//	2 goroutines [sync.Mutex.Lock, longest 12 minutes] ids 11, 12
//	  sync.(*Mutex).Lock called in main.(*store).get
//	      /src/store.go:36
func writeWait(buf *bytes.Buffer, p *GoroutineWait) {
	fmt.Fprintf(buf, "  %s [%s%s] ids %s\n", textfmt.Plural(p.Count, "goroutine"), textfmt.Escape(p.State),
		longest(p.MaxWait), ids(p.IDs, p.IDsOmitted))
	buf.WriteString("    ")
	if p.Call != "" {
		buf.WriteString(textfmt.Escape(p.Call) + " called in ")
	}
	buf.WriteString(textfmt.Escape(p.Frame.Function) + "\n")
	writeFileLine(buf, "        ", p.Frame)
}

// leaksHeaderSize is the size of the leaked goroutines' first line.
func leaksHeaderSize(l *GoroutineLeaks) int {
	var b bytes.Buffer
	writeLeaksHeader(&b, l)
	return b.Len()
}

func writeLeaksHeader(buf *bytes.Buffer, l *GoroutineLeaks) {
	switch {
	case !l.Available && (l.Note == "" || l.Note == leakProfileOff):
		// Not asked for: the README documents GMR_LEAK_PROFILE, and
		// the JSON keeps the note.
	case !l.Available:
		buf.WriteString("\nleaked goroutines: " + textfmt.Escape(l.Note) + "\n")
	case l.Total == 0:
		buf.WriteString("\nleaked goroutines (goroutineleak profile): none\n")
	default:
		fmt.Fprintf(buf, "\nleaked goroutines (goroutineleak profile): %s in %s\n", textfmt.Commas(l.Total), textfmt.Plural(l.GroupCount, "group"))
	}
}

func writeLeaks(buf *bytes.Buffer, l *GoroutineLeaks) {
	writeLeaksHeader(buf, l)
	for i := range l.Groups {
		buf.WriteString("\n")
		writeGroup(buf, &l.Groups[i], "  ")
	}
	writeOmission(buf, "  ", l.Omitted, "leaked goroutine", "group")
}

// ownLineSize is the size of the line for gmr's own goroutines.
func ownLineSize(o *GoroutineOwn) int {
	var b bytes.Buffer
	writeOwn(&b, o)
	return b.Len()
}

// writeOwn writes gmr's own goroutines as one line:
//
//	gmr's own goroutines: 4 in 4 groups (the JSON report lists them)
func writeOwn(buf *bytes.Buffer, o *GoroutineOwn) {
	if o.Goroutines == 0 {
		return
	}
	fmt.Fprintf(buf, "\ngmr's own goroutines: %s in %s, not listed here (the JSON report lists them)\n",
		textfmt.Commas(o.Goroutines), textfmt.Plural(o.GroupCount, "group"))
}

// writeOmission writes what a list left out: "... and 4,213 more goroutines
// in 97 groups (max_groups)".
func writeOmission(buf *bytes.Buffer, indent string, om *GoroutineOmission, goroutine, group string) {
	if om == nil {
		return
	}
	fmt.Fprintf(buf, "\n%s... and %s in %s", indent, textfmt.Plural(om.Goroutines, "more "+goroutine), textfmt.Plural(om.Groups, group))
	if om.Reason != "" {
		fmt.Fprintf(buf, " (%s)", textfmt.Escape(om.Reason))
	}
	buf.WriteString("\n")
}

// writeGroup writes one group, each line after indent: its count and
// labels, its detail, then its frames.
func writeGroup(buf *bytes.Buffer, g *GoroutineGroup, indent string) {
	buf.WriteString(indent + textfmt.Plural(g.Count, "goroutine"))
	if len(g.Labels) > 0 {
		buf.WriteString("  [")
		for i, k := range sortedKeys(g.Labels) {
			if i > 0 {
				buf.WriteString(", ")
			}
			buf.WriteString(textfmt.Escape(k))
			buf.WriteByte('=')
			buf.WriteString(textfmt.Escape(g.Labels[k]))
		}
		buf.WriteString("]")
	}
	buf.WriteString("\n")
	switch d := g.Detail; {
	case d != nil && len(d.States) > 0:
		writeStates(buf, indent+"  ", d.States)
		if g.InferredState != "" && g.InferredState != baseState(g.State) {
			// The dump and the stack disagree: a goroutine that moved
			// between the two, or a wait the frames cannot tell.
			fmt.Fprintf(buf, "%s  its stack says: %s\n", indent, textfmt.Escape(g.InferredState))
		}
	case g.State != "":
		fmt.Fprintf(buf, "%s  state: %s (from the stack)\n", indent, textfmt.Escape(g.State))
	}
	writeVaryingLabels(buf, indent+"  ", g)
	if d := g.Detail; d != nil {
		writeDetail(buf, indent+"  ", g, d)
	}
	if o := g.Origin; o != nil && (g.Detail == nil || len(g.Detail.CreatedBy) == 0) && o.CreatedIn != "" {
		fmt.Fprintf(buf, "%s  created by %s", indent, textfmt.Escape(o.CreatedIn))
		if o.Via != "" {
			fmt.Fprintf(buf, " via %s", textfmt.Escape(o.Via))
		}
		buf.WriteString(" (from the stack)\n")
	}
	// The entry and the place a group is shown by are frames, unless the
	// frames shown stop before them.
	for _, f := range []struct{ what, fn string }{{"where", g.Where}, {"entered in", originEntry(g)}} {
		if f.fn != "" && !slices.ContainsFunc(g.Frames, func(fr Frame) bool { return strings.HasSuffix(fr.Function, f.fn) }) {
			fmt.Fprintf(buf, "%s  %s: %s (past the frames shown)\n", indent, f.what, textfmt.Escape(f.fn))
		}
	}
	writeFrames(buf, indent+"    ", g.Frames)
	if g.FramesOmitted > 0 {
		noun := "frames"
		if g.FramesOmitted == 1 {
			noun = "frame"
		}
		fmt.Fprintf(buf, "%s    ... %s more %s\n", indent, textfmt.Commas(g.FramesOmitted), noun)
	}
}

// writeStates writes the states of a group's goroutines in the dump:
//
//	state: chan receive (2, longest 12 minutes), select (1)
func writeStates(buf *bytes.Buffer, indent string, states []GoroutineState) {
	buf.WriteString(indent + "state: ")
	for i, st := range states {
		if i > 0 {
			buf.WriteString(", ")
		}
		buf.WriteString(textfmt.Escape(st.State))
		switch {
		case len(states) > 1:
			fmt.Fprintf(buf, " (%s%s)", textfmt.Commas(st.Count), longest(st.MaxWait))
		case st.MaxWait > 0:
			fmt.Fprintf(buf, " (%s)", strings.TrimPrefix(longest(st.MaxWait), ", "))
		}
	}
	buf.WriteString("\n")
}

// writeDetail writes the rest of a group's detail, after its states:
//
//	ids: 5, 6, 7
//	created by main.main in goroutine 1 at /src/main.go:30
func writeDetail(buf *bytes.Buffer, indent string, g *GoroutineGroup, d *GoroutineDetail) {
	if d.LockedToThread > 0 {
		fmt.Fprintf(buf, "%slocked to an OS thread: %s\n", indent, textfmt.Commas(d.LockedToThread))
	}
	if len(d.IDs) > 0 {
		fmt.Fprintf(buf, "%sids: %s\n", indent, ids(d.IDs, d.IDsOmitted))
	}
	for _, c := range d.CreatedBy {
		fmt.Fprintf(buf, "%screated by %s", indent, textfmt.Escape(c.Function))
		if c.Via != "" {
			fmt.Fprintf(buf, " via %s", textfmt.Escape(c.Via))
		}
		switch {
		case c.Goroutine != 0:
			fmt.Fprintf(buf, " in goroutine %d", c.Goroutine)
		case c.ParentGoroutines > 1:
			fmt.Fprintf(buf, " in %s goroutines", textfmt.Commas(c.ParentGoroutines))
		}
		if c.File != "" {
			fmt.Fprintf(buf, " at %s:%d", textfmt.Escape(c.File), c.Line)
		}
		if len(d.CreatedBy) > 1 {
			fmt.Fprintf(buf, " (%s)", textfmt.Commas(c.Count))
		}
		buf.WriteString("\n")
	}
	if d.CreatorsOmitted > 0 {
		fmt.Fprintf(buf, "%s... and %s more creators\n", indent, textfmt.Commas(d.CreatorsOmitted))
	}
	switch {
	case d.SharedGroups > 1:
		fmt.Fprintf(buf, "%sdetail of the %s groups with this stack together, %s (they differ in runtime frames, which the dump leaves out)\n",
			indent, textfmt.Commas(d.SharedGroups), textfmt.Plural(d.Goroutines, "goroutine"))
	case d.Goroutines != g.Count:
		fmt.Fprintf(buf, "%sthe dump has %s of them\n", indent, textfmt.Commas(d.Goroutines))
	}
}

func originEntry(g *GoroutineGroup) string {
	if g.Origin == nil {
		return ""
	}
	return g.Origin.Entry
}

// writeVaryingLabels writes a line for each label key whose values differ
// among g's goroutines or that some lack:
//
//	label request_id: 10,000 distinct
//	label tenant: acme (6,000), globex (4,000)
//	label trace: abc (10); 9,990 without it
func writeVaryingLabels(buf *bytes.Buffer, indent string, g *GoroutineGroup) {
	for _, l := range g.VaryingLabels {
		fmt.Fprintf(buf, "%slabel %s: ", indent, textfmt.Escape(l.Key))
		all := !l.DistinctCapped && len(l.Top) == l.Distinct
		switch {
		case all:
		case l.DistinctCapped:
			fmt.Fprintf(buf, "more than %s distinct", textfmt.Commas(l.Distinct))
		default:
			fmt.Fprintf(buf, "%s distinct", textfmt.Commas(l.Distinct))
		}
		if !all && len(l.Top) > 0 {
			buf.WriteString(", most common ")
		}
		for i, v := range l.Top {
			if i > 0 {
				buf.WriteString(", ")
			}
			fmt.Fprintf(buf, "%s (%s)", textfmt.Escape(v.Value), textfmt.Commas(v.Count))
		}
		if l.Missing > 0 {
			fmt.Fprintf(buf, "; %s without it", textfmt.Commas(l.Missing))
		}
		buf.WriteString("\n")
	}
	if g.LabelsOmitted > 0 {
		fmt.Fprintf(buf, "%s%s under further keys, not summarised\n", indent, textfmt.Plural(g.LabelsOmitted, "label"))
	}
}

// writeFrames writes frames, each line after indent, with the leading
// runtime frames folded into one line, a recursion's repeated calls into
// one, and the final runtime.goexit, which every goroutine has, left out.
func writeFrames(buf *bytes.Buffer, indent string, frames []Frame) {
	if n := len(frames); n > 0 && frames[n-1].Function == "runtime.goexit" {
		frames = frames[:n-1]
	}
	fold := 0
	for fold < len(frames) && isRuntimeFunc(frames[fold].Function) {
		fold++
	}
	if fold == len(frames) {
		fold = 0 // all in the runtime: nothing to fold them into
	}
	if fold > 0 {
		fmt.Fprintf(buf, "%s%s  [", indent, textfmt.Escape(frames[fold-1].Function))
		if fold == 1 {
			buf.WriteString("runtime frame]\n")
		} else {
			buf.WriteString("+" + textfmt.Plural(fold-1, "runtime frame") + "]\n")
		}
	}
	frames = frames[fold:]
	for i := 0; i < len(frames); i++ {
		f := frames[i]
		buf.WriteString(indent + textfmt.Escape(f.Function) + "\n")
		writeFileLine(buf, indent+"    ", f)
		same := 0
		for i+1 < len(frames) && frames[i+1] == f {
			same++
			i++
		}
		if same > 0 {
			buf.WriteString(indent + "... the same call " + textfmt.Plural(same, "more time") + "\n")
		}
	}
}

func writeFileLine(buf *bytes.Buffer, indent string, f Frame) {
	if f.File != "" || f.Line != 0 {
		buf.WriteString(indent + textfmt.Escape(f.File) + ":" + strconv.Itoa(f.Line) + "\n")
	}
}

// longest formats a longest wait for after a state: ", longest 12
// minutes", or nothing for under a minute.
func longest(wait Millis) string {
	minutes := int(wait.D() / time.Minute)
	if minutes <= 0 {
		return ""
	}
	return ", longest " + textfmt.Plural(minutes, "minute")
}

// ids formats goroutine ids: "5, 6, 7 and 96 more".
func ids(list []int64, omitted int) string {
	var b strings.Builder
	for i, id := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	if omitted > 0 {
		b.WriteString(" and " + textfmt.Commas(omitted) + " more")
	}
	return b.String()
}

// duration formats a wait threshold: "1 minute", "90s".
func duration(d time.Duration) string {
	if d%time.Minute == 0 {
		return textfmt.Plural(int(d/time.Minute), "minute")
	}
	return d.String()
}
