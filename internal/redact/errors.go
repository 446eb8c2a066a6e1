package redact

import (
	"context"
	"errors"
	"fmt"

	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/internal/jsonfields"
)

// Error returns err with its secrets masked, as a new error that holds only
// masked text: a *report.PanicError keeps its shape, with its value as a
// masked string and its stack masked; any other error becomes its masked
// message. The result still matches context.DeadlineExceeded and
// context.Canceled under errors.Is when err did, and nothing else: a raw
// cause cannot be reached through it. Error methods that panic are survived.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	var pe *report.PanicError
	if catch(func() { errors.As(err, &pe) }) == "" && pe != nil {
		return &report.PanicError{
			Section: pe.Section,
			Value:   r.panicValue(pe.Value),
			Stack:   []byte(r.Value(string(pe.Stack))),
		}
	}
	me := &maskedError{}
	if p := catch(func() { me.msg = err.Error() }); p != "" {
		me.msg = fmt.Sprintf("(%T whose Error method panicked: %s)", err, p)
	}
	if me.msg == "" {
		me.msg = fmt.Sprintf("error %T with an empty message", err)
	}
	me.msg = r.Value(me.msg)
	for _, target := range [...]error{context.DeadlineExceeded, context.Canceled} {
		var is bool
		catch(func() { is = errors.Is(err, target) })
		if is {
			me.kind = target
			break
		}
	}
	return me
}

// maskedError is an error's masked message.
type maskedError struct {
	msg  string
	kind error // context.DeadlineExceeded, context.Canceled or nil
}

func (e *maskedError) Error() string { return e.msg }

func (e *maskedError) Is(target error) bool { return e.kind != nil && target == e.kind }

// panicValue returns a panic's value as masked text. A string or an error
// is masked as text; any other value (a map, a struct) is masked by its keys
// first, as section data is, and shown as compact JSON, since its %v form
// (map[password:x], {x}) has lost the keys that say what is secret.
func (r *Redactor) panicValue(v any) string {
	switch v := v.(type) {
	case string:
		return r.Value(v)
	case error:
		var s string
		if p := catch(func() { s = v.Error() }); p != "" {
			s = fmt.Sprintf("(%T whose Error method panicked: %s)", v, p)
		}
		return r.Value(s)
	}
	tree, _ := r.Data(context.Background(), v)
	if s, ok := tree.(string); ok {
		return s
	}
	b, err := jsonfields.Marshal(tree)
	if err != nil {
		return fmt.Sprintf("(%T)", v)
	}
	return string(b)
}
