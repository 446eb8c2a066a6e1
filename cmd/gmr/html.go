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
	maxIcicleDepth   = 48    // levels of the icicle below the root
	maxIcicleNodes   = 4000  // nodes of the icicle
	minIcicleShare   = 0.002 // of all goroutines: narrower nodes are folded
	maxSectionText   = 1 << 20
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
	for i, s := range rf.Sections {
		switch s.Name {
		case "findings":
			p.Findings = findingsOf(&s)
			continue
		case "goroutines":
			p.Gor, p.Icicle = goroutinesOf(&s)
			continue
		}
		p.Sections = append(p.Sections, sectionOf(&s, &rep.Sections[i]))
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

func sectionOf(s *sectionRaw, res *report.Result) pageSection {
	ps := pageSection{ID: "sec-" + s.Name, Title: sectionTitle(s.Name), Error: s.Error, Note: s.Note}
	if tw, ok := res.Data.(report.TextWriter); ok {
		text, cut, err := textfmt.Capture(tw.WriteText, maxSectionText)
		if err == nil {
			ps.Text = text
			if cut {
				ps.Text += "\n... (cut)"
			}
			return ps
		}
	}
	if len(s.Data) > 0 && string(s.Data) != "null" {
		var buf bytes.Buffer
		if json.Indent(&buf, s.Data, "", "  ") == nil {
			ps.Text = textfmt.Cut(buf.String(), maxSectionText)
		}
	}
	return ps
}

// sectionTitle turns "my_queue" into "My queue".
func sectionTitle(name string) string {
	name = strings.ReplaceAll(name, "_", " ")
	if name == "" {
		return "(unnamed)"
	}
	r := []rune(name)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}
