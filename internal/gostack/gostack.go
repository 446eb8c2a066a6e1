// Package gostack parses the text dump of goroutine stacks that
// runtime.Stack(buf, true) writes. The same format is in Go's crash and
// SIGQUIT dumps and in the goroutine profile written with debug=2.
//
// A dump is a series of blocks separated by blank lines, one per goroutine:
//
//	goroutine 18 [chan receive, 12 minutes, locked to thread]:
//	main.worker(0xc000010000, {0x4ef7b1, 0x1})
//		/src/main.go:20 +0x25
//	sync.(*Mutex).Lock(...)
//		/usr/local/go/src/sync/mutex.go:46
//	created by main.main in goroutine 1
//		/src/main.go:15 +0x45
//
// The parser is lenient, as a diagnostic must be: it keeps everything it
// understands and skips the rest (a crash dump's "SIGQUIT: quit" preamble
// and register dump, a line from a future Go release), so a change in the
// format costs detail, not the whole dump.
package gostack

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Goroutine is one goroutine of a dump.
type Goroutine struct {
	// ID is the goroutine's id, as in "goroutine 18".
	ID int64
	// State is the goroutine's status, or the reason it waits when it
	// does: "running", "runnable", "syscall", "chan receive",
	// "sync.Mutex.Lock", "IO wait", "select (no cases)". The " (leaked)"
	// and " (scan)" marks are not part of it.
	State string
	// WaitMinutes is how long the goroutine has been blocked, in whole
	// minutes, as the runtime prints it: zero for less than a minute, and
	// also when the runtime does not know (it notices a blocked
	// goroutine only at the next garbage collection).
	WaitMinutes int
	// Leaked is set for a goroutine the goroutine leak detector found
	// blocked forever ("[chan receive (leaked)]").
	Leaked bool
	// LockedToThread is set for a goroutine wired to its OS thread by
	// runtime.LockOSThread.
	LockedToThread bool
	// Bubble is the id of the goroutine's testing/synctest bubble, or 0.
	Bubble int64
	// Labels are the goroutine's pprof labels. The runtime prints them
	// only when GODEBUG=tracebacklabels=1.
	Labels map[string]string
	// Frames is the stack, innermost call first. The runtime leaves out
	// most of package runtime's own frames.
	Frames []Frame
	// Elided is the number of frames the runtime left out of the middle
	// of a deep stack ("...23 frames elided..."), or -1 when it did not
	// say how many ("...additional frames elided...").
	Elided int
	// Unavailable is set when the runtime could not take the stack
	// ("goroutine running on other thread; stack unavailable").
	Unavailable bool
	// CreatedBy is the go statement that started the goroutine: the
	// function it is in and its file and line. It is nil for goroutines
	// without one, such as the main goroutine.
	CreatedBy *Frame
	// CreatorID is the id of the goroutine that ran that go statement,
	// or 0 when the dump does not say.
	CreatorID int64
}

// Frame is one call in a stack.
type Frame struct {
	// Function is the package-qualified function name, such as
	// "main.(*store).get" or "main.consume[...]". The arguments the
	// runtime prints after it (raw words, mostly pointers) are dropped.
	Function string
	// File and Line locate the call.
	File string
	Line int
}

// Error describes the lines of a dump that Parse did not understand.
type Error struct {
	// Lines is the number of lines skipped.
	Lines int
	// First is the 1-based number of the first of them, and Text that
	// line, cut to 200 bytes.
	First int
	Text  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("gostack: %d lines not understood, the first at line %d: %q", e.Lines, e.First, e.Text)
}

// Parse parses a dump. It returns every goroutine it found, in the dump's
// order. Lines it does not understand inside a goroutine's block are skipped
// and described by an *Error returned with the goroutines; text outside the
// blocks is ignored. A goroutine whose block is cut short, as at the end of a
// truncated dump, is returned with what there is of it.
//
// Parse copies the strings it keeps, and shares equal ones (function and file
// names) between goroutines, so the result does not hold on to dump.
func Parse(dump []byte) ([]Goroutine, error) {
	p := parser{intern: make(map[string]string)}
	// One copy of the whole dump, which the lines share; what is kept of
	// it is copied again, by str.
	text := string(dump)
	for text != "" {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		p.lineNo++
		p.line(strings.TrimSuffix(line, "\r"))
	}
	p.finish()
	if p.err != nil {
		return p.gs, p.err
	}
	return p.gs, nil
}

// parser holds Parse's state between lines.
type parser struct {
	gs     []Goroutine
	g      *Goroutine // the goroutine whose block is being read, or nil
	lineNo int

	// fn is a function line waiting for its file line: a frame's, or
	// the creator's when created is set.
	fn      string
	pending bool
	created bool
	creator int64
	// ancestor is set after "[originating from goroutine N]:", whose
	// lines (GODEBUG=tracebackancestors) are skipped to the block's end.
	ancestor bool

	intern map[string]string
	err    *Error
}

func (p *parser) line(s string) {
	if s == "" {
		p.finish()
		return
	}
	if strings.HasPrefix(s, "goroutine ") {
		if g, ok := p.header(s); ok {
			p.finish()
			p.gs = append(p.gs, g)
			p.g = &p.gs[len(p.gs)-1]
			return
		}
	}
	if p.g == nil || p.ancestor {
		return // a crash dump's preamble or registers, or ancestors
	}
	switch {
	case s[0] == '\t':
		s = s[1:]
		if s == "goroutine running on other thread; stack unavailable" {
			p.g.Unavailable = true
			return
		}
		if !p.pending {
			p.bad(s)
			return
		}
		file, line, ok := parseFileLine(s)
		if !ok {
			p.bad(s)
			p.pending = false
			return
		}
		if p.created {
			p.g.CreatedBy = &Frame{Function: p.fn, File: p.str(file), Line: line}
			p.g.CreatorID = p.creator
		} else {
			p.g.Frames = append(p.g.Frames, Frame{Function: p.fn, File: p.str(file), Line: line})
		}
		p.pending, p.created = false, false
	case strings.HasPrefix(s, "created by "):
		fn, id, ok := parseCreatedBy(s[len("created by "):])
		if !ok {
			p.bad(s)
			return
		}
		p.fn, p.pending, p.created, p.creator = p.str(fn), true, true, id
	case strings.HasPrefix(s, "...") && strings.HasSuffix(s, " frames elided..."):
		if s == "...additional frames elided..." {
			p.g.Elided = -1
			return
		}
		n, err := strconv.Atoi(s[len("...") : len(s)-len(" frames elided...")])
		if err != nil || n < 0 {
			p.bad(s)
			return
		}
		p.g.Elided = n
	case strings.HasPrefix(s, "[originating from goroutine ") && strings.HasSuffix(s, "]:"):
		p.pending, p.ancestor = false, true
	default:
		fn, ok := parseCall(s)
		if !ok {
			p.bad(s)
			return
		}
		p.fn, p.pending, p.created = p.str(fn), true, false
	}
}

// finish ends the current goroutine's block.
func (p *parser) finish() {
	p.g, p.pending, p.created, p.ancestor = nil, false, false, false
}

func (p *parser) bad(s string) {
	if p.err == nil {
		if len(s) > 200 {
			s = s[:200]
		}
		p.err = &Error{First: p.lineNo, Text: strings.Clone(s)}
	}
	p.err.Lines++
}

// str returns a copy of s, the same copy for equal strings.
func (p *parser) str(s string) string {
	if v, ok := p.intern[s]; ok {
		return v
	}
	v := strings.Clone(s)
	p.intern[v] = v
	return v
}

// header parses a block's first line:
//
//	goroutine 18 [chan receive, 12 minutes, locked to thread]:
//	goroutine 1 gp=0xc000002380 m=0 mp=0x5cb660 [running]:
//	goroutine 7 [select labels:{"k": "v"}]:
func (p *parser) header(s string) (Goroutine, bool) {
	s = s[len("goroutine "):]
	if !strings.HasSuffix(s, "]:") {
		return Goroutine{}, false
	}
	end := strings.IndexAny(s, " [")
	if end <= 0 {
		return Goroutine{}, false
	}
	id, err := strconv.ParseInt(s[:end], 10, 64)
	if err != nil || id < 0 {
		return Goroutine{}, false
	}
	open := strings.Index(s, "[")
	if open < 0 || strings.TrimSpace(s[end:open]) != "" && !strings.HasPrefix(s[end:], " gp=") {
		return Goroutine{}, false
	}
	g := Goroutine{ID: id}
	inner := s[open+1 : len(s)-len("]:")]
	if i := strings.Index(inner, " labels:{"); i >= 0 {
		if !strings.HasSuffix(inner, "}") {
			return Goroutine{}, false
		}
		labels, ok := parseLabels(inner[i+len(" labels:{") : len(inner)-1])
		if !ok {
			return Goroutine{}, false
		}
		g.Labels = labels
		inner = inner[:i]
	}
	parts := strings.Split(inner, ", ")
	state := parts[0]
	for {
		var cut bool
		if state, cut = strings.CutSuffix(state, " (scan)"); cut {
			continue
		}
		if state, cut = strings.CutSuffix(state, " (leaked)"); cut {
			g.Leaked = true
			continue
		}
		break
	}
	if state == "" {
		return Goroutine{}, false
	}
	g.State = p.str(state)
	for _, part := range parts[1:] {
		switch {
		case part == "locked to thread":
			g.LockedToThread = true
		case strings.HasSuffix(part, " minutes"):
			n, err := strconv.Atoi(strings.TrimSuffix(part, " minutes"))
			if err != nil || n < 0 {
				return Goroutine{}, false
			}
			g.WaitMinutes = n
		case strings.HasPrefix(part, "synctest bubble "):
			n, err := strconv.ParseInt(strings.TrimPrefix(part, "synctest bubble "), 10, 64)
			if err != nil || n < 0 {
				return Goroutine{}, false
			}
			g.Bubble = n
		default:
			// A detail a later Go release may add: not worth the
			// goroutine.
		}
	}
	return g, true
}

// parseLabels parses the runtime's list of quoted pairs,
// "k1": "v1", "k2": "v2", whose strings use Go's escapes.
func parseLabels(s string) (map[string]string, bool) {
	var m map[string]string
	for s != "" {
		k, rest, ok := unquotePrefix(s)
		if !ok {
			return nil, false
		}
		rest, ok = strings.CutPrefix(rest, ": ")
		if !ok {
			return nil, false
		}
		v, rest, ok := unquotePrefix(rest)
		if !ok {
			return nil, false
		}
		if m == nil {
			m = make(map[string]string)
		}
		m[k] = v
		if rest == "" {
			break
		}
		if s, ok = strings.CutPrefix(rest, ", "); !ok || s == "" {
			return nil, false
		}
	}
	return m, true
}

func unquotePrefix(s string) (v, rest string, ok bool) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil || q[0] != '"' {
		return "", "", false
	}
	v, err = strconv.Unquote(q)
	if err != nil {
		return "", "", false
	}
	// Unquote may return a part of s: copy it, not to keep the dump.
	return strings.Clone(v), s[len(q):], true
}

// parseCall parses a frame's function line, "main.(*T).m(0x1, {0x2, 0x3})",
// returning the function's name. The arguments hold no parentheses, so they
// start at the last '('.
func parseCall(s string) (string, bool) {
	if !strings.HasSuffix(s, ")") {
		return "", false
	}
	i := strings.LastIndexByte(s, '(')
	if i <= 0 {
		return "", false
	}
	return s[:i], true
}

// parseCreatedBy parses what follows "created by ": "main.main in
// goroutine 1", or just "main.main" before Go 1.21.
func parseCreatedBy(s string) (fn string, creator int64, ok bool) {
	fn, id, found := strings.Cut(s, " in goroutine ")
	if found {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n < 0 {
			return "", 0, false
		}
		creator = n
	}
	if fn == "" {
		return "", 0, false
	}
	return fn, creator, true
}

// parseFileLine parses a frame's second line, without its tab:
// "/src/main.go:20 +0x25", or with GOTRACEBACK=system
// "/src/main.go:20 +0x25 fp=0xc00004 sp=0xc00003 pc=0x4a2f0".
func parseFileLine(s string) (file string, line int, ok bool) {
	if i := strings.Index(s, " fp=0x"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, " +0x"); i >= 0 && isHex(s[i+len(" +0x"):]) {
		s = s[:i]
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(s[i+1:])
	if err != nil || n < 0 || s[i+1] == '+' || s[i+1] == '-' {
		return "", 0, false
	}
	return s[:i], n, true
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Format writes gs in the dump's format, as runtime.Stack would with
// arguments and PC offsets left out; Parse reads it back. It is for tests
// and tools that build dumps.
func Format(gs []Goroutine) []byte {
	var b bytes.Buffer
	for i, g := range gs {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "goroutine %d [%s", g.ID, g.State)
		if g.Leaked {
			b.WriteString(" (leaked)")
		}
		if g.WaitMinutes > 0 {
			fmt.Fprintf(&b, ", %d minutes", g.WaitMinutes)
		}
		if g.LockedToThread {
			b.WriteString(", locked to thread")
		}
		if g.Bubble != 0 {
			fmt.Fprintf(&b, ", synctest bubble %d", g.Bubble)
		}
		if len(g.Labels) > 0 {
			b.WriteString(" labels:{")
			for j, k := range slices.Sorted(maps.Keys(g.Labels)) {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(strconv.Quote(k) + ": " + strconv.Quote(g.Labels[k]))
			}
			b.WriteString("}")
		}
		b.WriteString("]:\n")
		if g.Unavailable {
			b.WriteString("\tgoroutine running on other thread; stack unavailable\n")
		}
		for j, f := range g.Frames {
			if j == 50 && g.Elided != 0 {
				writeElided(&b, g.Elided)
			}
			fmt.Fprintf(&b, "%s(...)\n\t%s:%d\n", f.Function, f.File, f.Line)
		}
		if len(g.Frames) <= 50 && g.Elided != 0 {
			writeElided(&b, g.Elided)
		}
		if f := g.CreatedBy; f != nil {
			fmt.Fprintf(&b, "created by %s", f.Function)
			if g.CreatorID != 0 {
				fmt.Fprintf(&b, " in goroutine %d", g.CreatorID)
			}
			fmt.Fprintf(&b, "\n\t%s:%d\n", f.File, f.Line)
		}
	}
	return b.Bytes()
}

func writeElided(b *bytes.Buffer, n int) {
	if n < 0 {
		b.WriteString("...additional frames elided...\n")
	} else {
		fmt.Fprintf(b, "...%d frames elided...\n", n)
	}
}
