package sections

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/gmr-go/gmr/internal/textfmt"
)

// Frame is one call in a stack.
type Frame struct {
	// Function is the function's package-qualified name, such as
	// "net/http.(*Server).Serve", or its address in hex if it is unknown.
	Function string `json:"function"`
	// File is the source file's path, if known.
	File string `json:"file,omitempty"`
	// Line is the line number in File, if known.
	Line int `json:"line,omitempty"`
}

// locationFrames appends the frames of loc to dst. A location holds the
// calls inlined at one address: its first Line is the innermost call and
// its last the function they were inlined into (see profile.proto), which is
// the order a stack is shown in.
func locationFrames(dst []Frame, loc *profile.Location) []Frame {
	if loc == nil {
		return append(dst, Frame{Function: "?"})
	}
	if len(loc.Line) == 0 {
		return append(dst, addressFrame(loc.Address))
	}
	for _, ln := range loc.Line {
		f := Frame{Function: "?", Line: int(ln.Line)}
		if fn := ln.Function; fn != nil {
			if fn.Name != "" {
				f.Function = fn.Name
			}
			f.File = fn.Filename
		}
		dst = append(dst, f)
	}
	return dst
}

// sampleFrames returns the frames of s's stack, innermost call first.
func sampleFrames(s *profile.Sample) []Frame {
	out := []Frame{}
	for _, loc := range s.Location {
		out = locationFrames(out, loc)
	}
	return out
}

// knownFrames returns the frames of s's stack, innermost call first, but
// those the runtime left empty: calls whose function has no name, and a
// location of neither named calls nor address (a zero PC, which the
// profile writes as address 0 or -1).
func knownFrames(s *profile.Sample) []Frame {
	out := []Frame{}
	for _, loc := range s.Location {
		if loc == nil {
			continue
		}
		n := len(out)
		if len(loc.Line) > 0 {
			for _, f := range locationFrames(nil, loc) {
				if f.Function != "?" {
					out = append(out, f)
				}
			}
		}
		if len(out) == n && loc.Address != 0 && loc.Address != math.MaxUint64 {
			out = append(out, addressFrame(loc.Address))
		}
	}
	return out
}

// compareFrames orders stacks by their frames' functions, files and lines.
func compareFrames(a, b []Frame) int {
	return slices.CompareFunc(a, b, func(x, y Frame) int {
		if c := strings.Compare(x.Function, y.Function); c != 0 {
			return c
		}
		if c := strings.Compare(x.File, y.File); c != 0 {
			return c
		}
		return cmp.Compare(x.Line, y.Line)
	})
}

// pcsFrames symbolizes at most n frames of a stack of return PCs,
// innermost call first, inlined calls included.
func pcsFrames(pcs []uintptr, n int) []Frame {
	out := []Frame{}
	if len(pcs) == 0 {
		return out
	}
	frames := runtime.CallersFrames(pcs)
	for len(out) < n {
		f, more := frames.Next()
		if f.Function != "" {
			out = append(out, Frame{Function: f.Function, File: f.File, Line: f.Line})
		} else if f.PC != 0 {
			out = append(out, addressFrame(uint64(f.PC)))
		}
		if !more {
			break
		}
	}
	return out
}

// callerFrames drops the runtime's own frames from the top of a stack but
// the last, the runtime function the caller called ("runtime.LockOSThread
// < main.worker"), so that a cut stack shows whose code it was.
func callerFrames(frames []Frame) []Frame {
	for i, f := range frames {
		if !strings.HasPrefix(f.Function, "runtime.") {
			return frames[max(i-1, 0):]
		}
	}
	return frames
}

// framesLine writes a stack on one line, innermost call first:
// "main.worker < main.main".
func framesLine(frames []Frame) string {
	parts := make([]string, len(frames))
	for i, f := range frames {
		parts[i] = textfmt.Escape(f.Function)
	}
	return strings.Join(parts, " < ")
}

// addressFrame is the frame of a call whose function is not known: its
// address in hex.
func addressFrame(addr uint64) Frame {
	return Frame{Function: "0x" + strconv.FormatUint(addr, 16)}
}
