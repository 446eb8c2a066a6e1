package main

import (
	"bytes"
	"cmp"
	_ "embed" // the page's style and script
	"encoding/json"
	"fmt"
	"hash/fnv"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/internal/textfmt"
)

//go:embed view.html
var pageTemplate string

//go:embed view.css
var pageCSS string

//go:embed view.js
var pageJS string

// Bounds of the page, so that any report makes a page a browser opens.
const (
	maxIcicleDepth   = 48       // levels of the icicle below the root
	maxIcicleNodes   = 4000     // nodes of the icicle
	minIcicleShare   = 0.002    // of all goroutines: narrower nodes are folded
	maxSectionText   = 1 << 20  // of one section's text
	maxPageText      = 16 << 20 // of all sections' text
	maxGroupsOnPage  = 2000
	maxFramesOnGroup = 64
)

// page is what view.html renders.
type page struct {
	Title    string
	CSS      template.CSS
	JS       template.JS
	Header   [][2]string
	Findings *pageFindings
	Gor      *pageGoroutines
	Icicle   *iceNode
	Sections []pageSection
}

type pageFindings struct {
	Error    string
	Findings []finding
	Checked  string
}

type pageGoroutines struct {
	Total, GroupCount int
	Groups            []pageGroup
	Omitted           int
	Error             string
}

type pageGroup struct {
	Count  int
	State  string
	Top    string // the first frame outside the runtime
	Frames []frame
	More   int // frames not shown
}

type pageSection struct {
	ID, Title string
	Error     string
	Note      string
	Text      string
}

// iceNode is one frame of the icicle: a function at a depth, under the
// path of callers above it.
type iceNode struct {
	Name     string
	Count    int
	Percent  string
	Color    template.CSS
	Kids     []*iceNode
	Rest     int // goroutines whose stack ends here, or folded kids
	kidIndex map[string]*iceNode
}

// htmlGroup is a goroutine group as the page reads it.
type htmlGroup struct {
	Count  int     `json:"count"`
	State  string  `json:"state"`
	Frames []frame `json:"frames"`
	Detail *struct {
		States []struct {
			State string `json:"state"`
			Count int    `json:"count"`
		} `json:"states"`
	} `json:"detail"`
}

// writeHTML writes the report as one self-contained page: style and script
// are inline, and a Content-Security-Policy forbids any request.
func writeHTML(w io.Writer, rf *reportFile, rep *report.Report) error {
	t, err := template.New("page").Parse(pageTemplate)
	if err != nil {
		return err
	}
	h := rf.Header
	p := &page{
		Title: fmt.Sprintf("gmr report: %s pid %d at %s", cmpOr(h.Service, "?"), h.PID, h.Time),
		CSS:   template.CSS(pageCSS),
		JS:    template.JS(pageJS),
	}
	for _, kv := range [][2]string{
		{"service", h.Service}, {"version", h.Version}, {"host", h.Host}, {"pid", fmt.Sprint(h.PID)},
		{"pod", h.Resource.PodName}, {"namespace", h.Resource.Namespace},
		{"started", h.Started}, {"time", h.Time}, {"trigger", h.Trigger},
		{"collected in", fmt.Sprintf("%g ms", h.DurationMS)}, {"go", h.GoVersion}, {"gmr", h.GMRVersion},
	} {
		if kv[1] != "" {
			p.Header = append(p.Header, kv)
		}
	}
	budget := maxPageText
	for i, s := range rf.Sections {
		switch s.Name {
		case "findings":
			p.Findings = findingsOf(&s)
			continue
		case "goroutines":
			p.Gor, p.Icicle = goroutinesOf(&s)
			continue
		}
		if budget < minSectionText {
			p.Sections = append(p.Sections, pageSection{ID: "sec-" + s.Name, Title: sectionTitle(s.Name),
				Note: fmt.Sprintf("not shown: the page holds at most %s of section text", textfmt.Bytes(maxPageText))})
			continue
		}
		ps := sectionOf(&s, &rep.Sections[i], min(maxSectionText, budget))
		budget -= len(ps.Text)
		p.Sections = append(p.Sections, ps)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		return fmt.Errorf("render HTML: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

func findingsOf(s *sectionRaw) *pageFindings {
	f := &pageFindings{Error: s.Error}
	var data struct {
		Findings []finding `json:"findings"`
		Checked  []string  `json:"checked"`
	}
	if len(s.Data) > 0 && string(s.Data) != "null" {
		if err := json.Unmarshal(s.Data, &data); err != nil {
			f.Error = cmpOr(f.Error, err.Error())
		}
	}
	f.Findings, f.Checked = data.Findings, strings.Join(data.Checked, ", ")
	return f
}

func goroutinesOf(s *sectionRaw) (*pageGoroutines, *iceNode) {
	g := &pageGoroutines{Error: s.Error}
	var data struct {
		Total      int         `json:"total"`
		GroupCount int         `json:"group_count"`
		Groups     []htmlGroup `json:"groups"`
	}
	if len(s.Data) > 0 && string(s.Data) != "null" {
		if err := json.Unmarshal(s.Data, &data); err != nil {
			g.Error = cmpOr(g.Error, err.Error())
			return g, nil
		}
	}
	g.Total, g.GroupCount = data.Total, data.GroupCount
	for i, grp := range data.Groups {
		if i == maxGroupsOnPage {
			g.Omitted = len(data.Groups) - i
			break
		}
		pg := pageGroup{Count: grp.Count, State: grp.State, Frames: grp.Frames}
		if pg.State == "" && grp.Detail != nil {
			var states []string
			for _, st := range grp.Detail.States {
				states = append(states, st.State)
			}
			pg.State = strings.Join(states, ", ")
		}
		if len(pg.Frames) > maxFramesOnGroup {
			pg.More, pg.Frames = len(pg.Frames)-maxFramesOnGroup, pg.Frames[:maxFramesOnGroup]
		}
		pg.Top = topFunction(grp.Frames)
		g.Groups = append(g.Groups, pg)
	}
	return g, icicle(data.Groups)
}

// topFunction is the innermost frame outside the runtime, which says what
// the goroutines are doing better than runtime.gopark does.
func topFunction(frames []frame) string {
	for _, f := range frames {
		if !strings.HasPrefix(f.Function, "runtime.") {
			return f.Function
		}
	}
	if len(frames) > 0 {
		return frames[0].Function
	}
	return "(no frames)"
}

// icicle builds the icicle of the goroutine stacks: the root is every
// goroutine, and below each frame its callees, widths by goroutine count.
func icicle(groups []htmlGroup) *iceNode {
	root := &iceNode{Name: "all goroutines", kidIndex: map[string]*iceNode{}}
	nodes := 1
	for _, g := range groups {
		root.Count += g.Count
	}
	if root.Count == 0 {
		return nil
	}
	min := int(float64(root.Count) * minIcicleShare)
	for _, g := range groups {
		n := root
		for depth, i := 0, len(g.Frames)-1; i >= 0 && depth < maxIcicleDepth; i, depth = i-1, depth+1 {
			name := g.Frames[i].Function
			k := n.kidIndex[name]
			if k == nil {
				if nodes >= maxIcicleNodes || g.Count < min {
					break
				}
				k = &iceNode{Name: name, kidIndex: map[string]*iceNode{}}
				n.kidIndex[name] = k
				n.Kids = append(n.Kids, k)
				nodes++
			}
			k.Count += g.Count
			n = k
		}
	}
	finish(root, root.Count)
	return root
}

// finish sorts kids by count, works out what is not in kids, and colours.
func finish(n *iceNode, total int) {
	slices.SortStableFunc(n.Kids, func(a, b *iceNode) int { return cmp.Compare(b.Count, a.Count) })
	sum := 0
	for _, k := range n.Kids {
		sum += k.Count
		finish(k, total)
	}
	n.Rest = n.Count - sum
	n.Percent = fmt.Sprintf("%.1f%%", float64(n.Count)*100/float64(total))
	n.Color = template.CSS(color(n.Name))
}

// color picks a stable colour by package: warm for the runtime, cool for
// the rest.
func color(fn string) string {
	pkg := fn
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		pkg = pkg[i:]
	}
	if i := strings.IndexByte(pkg, '.'); i >= 0 {
		pkg = fn[:len(fn)-len(pkg)+i]
	}
	h := fnv.New32a()
	h.Write([]byte(pkg))
	v := h.Sum32()
	if strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "runtime/") {
		return fmt.Sprintf("hsl(%d,70%%,72%%)", 20+v%30)
	}
	return fmt.Sprintf("hsl(%d,55%%,75%%)", 90+v%180)
}

// minSectionText is the least page budget a section's text is shown in.
const minSectionText = 4 << 10

// sectionCutText ends a section's text cut at its bound.
const sectionCutText = "\n... (cut)"

// sectionOf is one other section as the page shows it: its text, or its
// data indented, in at most limit bytes. Data nested deeper than the text
// view reads (maxDepth) is not shown, as there; indenting it would take the
// square of its depth in bytes.
func sectionOf(s *sectionRaw, res *report.Result, limit int) pageSection {
	ps := pageSection{ID: "sec-" + s.Name, Title: sectionTitle(s.Name), Error: s.Error, Note: s.Note}
	if tw, ok := res.Data.(report.TextWriter); ok {
		text, cut, err := textfmt.Capture(tw.WriteText, limit)
		if err == nil {
			ps.Text = text
			if cut {
				ps.Text += sectionCutText
			}
			return ps
		}
	}
	if len(s.Data) > 0 && string(s.Data) != "null" {
		if tooDeep(s.Data) {
			ps.Text = fmt.Sprintf("(data that gmr cannot read: nested deeper than %d)", maxDepth)
			return ps
		}
		if text, cut, ok := indentBounded(s.Data, limit); ok {
			ps.Text = text
			if cut {
				ps.Text += sectionCutText
			}
		}
	}
	return ps
}

// tooDeep reports whether the JSON text src holds a value nested deeper
// than maxDepth, the bound of decodeGeneric: a value inside more than
// maxDepth arrays and objects.
func tooDeep(src []byte) bool {
	open := 0
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '[', '{':
			if open > maxDepth {
				return true
			}
			open++
		case ']', '}':
			open--
		case ' ', '\t', '\r', '\n', ',', ':':
		default: // a string, a number, true, false or null
			if open > maxDepth {
				return true
			}
			if c == '"' {
				i = stringEnd(src, i)
			}
		}
	}
	return false
}

// stringEnd returns the index of the quote that closes the JSON string
// starting at src[i], or len(src).
func stringEnd(src []byte, i int) int {
	for i++; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(src)
}

// indentBounded returns the JSON text src indented as json.Indent does with
// two spaces, in at most limit bytes: cut after its last whole line within
// them when longer, with cut set. Its work and memory are bounded by limit,
// not by the indented length, which can be the square of src's. ok is false
// when src is not valid JSON.
func indentBounded(src []byte, limit int) (text string, cut, ok bool) {
	if !json.Valid(src) {
		return "", false, false
	}
	b := make([]byte, 0, min(limit+1, 2*len(src)))
	depth := 0
	// put appends p, and reports whether b is still within the bound; it
	// keeps at most one byte over it, the mark of a cut.
	put := func(p []byte) bool {
		if room := limit + 1 - len(b); len(p) > room {
			b = append(b, p[:room]...)
			return false
		}
		b = append(b, p...)
		return true
	}
	newline := func() bool {
		if !put([]byte{'\n'}) {
			return false
		}
		for range depth {
			if !put([]byte("  ")) {
				return false
			}
		}
		return true
	}
	next := func(i int) int { // the index of the next byte after src[i] that is not space
		for i++; i < len(src) && isSpace(src[i]); i++ {
		}
		return i
	}
	within := true
	for i := 0; i < len(src) && within; i++ {
		switch c := src[i]; {
		case isSpace(c):
		case c == '"':
			j := stringEnd(src, i)
			within = put(src[i:min(j+1, len(src))])
			i = j
		case c == '[' || c == '{':
			within = put(src[i : i+1])
			if k := next(i); k < len(src) && (src[k] == ']' || src[k] == '}') {
				within = within && put(src[k:k+1])
				i = k
				continue
			}
			depth++
			within = within && newline()
		case c == ']' || c == '}':
			depth--
			within = newline() && put(src[i:i+1])
		case c == ',':
			within = put(src[i:i+1]) && newline()
		case c == ':':
			within = put([]byte(": "))
		default:
			within = put(src[i : i+1])
		}
	}
	if len(b) <= limit {
		return string(b), false, true
	}
	if i := bytes.LastIndexByte(b[:limit], '\n'); i >= 0 {
		return string(b[:i+1]), true, true // no half line
	}
	return textfmt.Cut(string(b), limit), true, true // one line: on a character boundary
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// sectionTitle turns "my_queue" into "My queue".
func sectionTitle(name string) string {
	name = strings.ReplaceAll(name, "_", " ")
	if name == "" {
		return "(unnamed)"
	}
	r := []rune(name)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}
