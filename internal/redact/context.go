package redact

import "context"

type contextKey struct{}

// NewContext returns a copy of ctx that carries r. The Reporter gives each
// section's Collect such a context, so that the built-in sections mask with
// the one Redactor built from every secret setting.
func NewContext(ctx context.Context, r *Redactor) context.Context {
	return context.WithValue(ctx, contextKey{}, r)
}

// FromContext returns the Redactor ctx carries, or one with the default
// rules when it carries none (a section collected on its own).
func FromContext(ctx context.Context) *Redactor {
	if r, ok := ctx.Value(contextKey{}).(*Redactor); ok && r != nil {
		return r
	}
	return &Redactor{}
}
