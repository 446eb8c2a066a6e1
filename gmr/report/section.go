package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"time"
)

// A Section collects one part of a report.
//
// Name returns a short, stable, lower-case name ("goroutines", "heap"). It is
// the section's title in the text report and its key in machine-readable
// formats, so it must not change between calls, and it must be unique within
// a report: the Reporter rejects an empty or repeated name.
//
// Collect gathers the section's data and returns it as a plain value: a
// struct, map, slice or scalar that encoding/json can marshal. The value must
// not be modified after Collect returns.
//
// Collect may be called concurrently with other sections' Collect, and, for
// the same section, again before an earlier call has returned (a new report
// may start while a hung one is abandoned). It must therefore be safe for
// concurrent use.
//
// The context carries the section's deadline. A section should return
// promptly once ctx is done; if it has partial data it may return it together
// with ctx.Err(). A non-nil error is shown in the section's place in the
// report; data returned with an error is shown as well. The Reporter recovers
// panics in Collect and reports them as the section's error, and masks
// secrets in the data, the error and the panic value before anything leaves
// the process.
type Section interface {
	Name() string
	Collect(ctx context.Context) (any, error)
}

// TextWriter is implemented by section data that has its own text layout,
// such as goroutine stacks. The Reporter calls WriteText once per report and
// gives its lines to the formatters as Result.Text, masked, escaped and cut
// to the section's bound; the text formatter shows them in place of its
// generic rendering, and no line can pass for a banner or the footer.
// Machine-readable formats ignore it.
type TextWriter interface {
	WriteText(w io.Writer) error
}

// CollectFunc is the signature of a function that collects a section's data.
type CollectFunc func(ctx context.Context) (any, error)

// Func returns a Section with the given name whose Collect calls fn. It is the
// one-line way to add a custom section:
//
//	gmr.WithSections(report.Func("queue", func(ctx context.Context) (any, error) {
//		return map[string]int{"depth": q.Len()}, nil
//	}))
func Func(name string, fn CollectFunc) Section {
	return funcSection{name: name, fn: fn}
}

type funcSection struct {
	name string
	fn   CollectFunc
}

func (s funcSection) Name() string { return s.name }

func (s funcSection) Collect(ctx context.Context) (any, error) {
	if s.fn == nil {
		return nil, fmt.Errorf("section %q has no collect function", s.name)
	}
	return s.fn(ctx)
}

// PanicError is the error a Result holds when a section's Collect panicked.
type PanicError struct {
	// Section is the name of the section that panicked.
	Section string
	// Value is the value passed to panic. After the Reporter's masking pass
	// it is a string, with its secrets masked.
	Value any
	// Stack is the panicking goroutine's stack.
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("section %q panicked: %v", e.Section, e.Value)
}

// Run calls s.Collect and returns its result. A panic in Collect is
// recovered and returned as a *PanicError; Run itself never panics, even for
// a nil Section.
func Run(ctx context.Context, s Section) (res Result) {
	start := time.Now()
	defer func() {
		res.Duration = time.Since(start)
		if v := recover(); v != nil {
			res.Err = &PanicError{Section: res.Name, Value: v, Stack: debug.Stack()}
		}
	}()
	if s == nil {
		return Result{Name: "<nil>", Err: errors.New("nil section")}
	}
	res.Name = "<unnamed>"
	res.Name = s.Name()
	res.Data, res.Err = s.Collect(ctx)
	return res
}

// A Reviewer is a section computed from the other sections' results, such
// as the built-in findings section. The Reporter collects every other
// section first, masks their results, and then calls Review with them, in
// the report's order, in place of Collect; the reviewer's result takes its
// own place in that order. Review must not modify the results, and it has
// the same deadline, panic and masking rules as Collect.
type Reviewer interface {
	Section
	Review(ctx context.Context, results []Result) (any, error)
}

// RunReview calls rv.Review with results and returns its result, as Run
// does for Collect: a panic is recovered and returned as a *PanicError.
func RunReview(ctx context.Context, rv Reviewer, results []Result) Result {
	return Run(ctx, reviewSection{rv, results})
}

// reviewSection is a Reviewer bound to the results it reviews.
type reviewSection struct {
	rv      Reviewer
	results []Result
}

func (s reviewSection) Name() string { return s.rv.Name() }

func (s reviewSection) Collect(ctx context.Context) (any, error) {
	return s.rv.Review(ctx, s.results)
}
