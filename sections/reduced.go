package sections

import "context"

// reducedKey is the context key of WithReduced.
type reducedKey struct{}

// WithReduced returns ctx asking for a small report, for a process that is
// short of memory: the built-in sections skip what costs memory (the full
// stack dump, the leak and heap profiles), and gmr writes no profiles
// beside the report.
func WithReduced(ctx context.Context) context.Context {
	return context.WithValue(ctx, reducedKey{}, true)
}

// Reduced reports whether ctx asks for a small report (WithReduced).
func Reduced(ctx context.Context) bool {
	v, _ := ctx.Value(reducedKey{}).(bool)
	return v
}
