package redact

import (
	"context"
	"errors"
	"fmt"

	"github.com/gmr-go/gmr/gmr/report"
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
			Value:   r.Value(safeSprint(pe.Value)),
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
