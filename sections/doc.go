// Package sections holds the parts of a Guru Meditation Report: the Section
// interface, Func to make a section from a function, and the built-in
// sections.
//
// # Built-in sections
//
// Each is a struct whose zero value works; its fields are options. Which
// process a report is about (host, pid, start time) is in the report's
// header, and the command line in the config section alone.
//
//	Package      build and version, main module, VCS, build settings, dependencies, GODEBUG
//	Config       command line, flags, registered configuration values, secrets masked
//	Environment  environment variables, secrets masked, optional allowlist
//	Goroutines   every goroutine grouped by stack and labels, with counts; states, waits
//	             and creators from a full dump while there are at most DetailMax goroutines;
//	             what has been waiting long; the leak profile where the runtime has it
//	Threads      OS threads (Linux: name, state, CPU, switches), scheduler metrics,
//	             thread creation stacks, pile-ups of threads in system calls or cgo
//	Process      ids, resource usage, rlimits, open descriptors with socket addresses,
//	             cgroup v2 limits, each figure near its limit flagged
//	Heap         runtime/metrics heap and GC figures, pause quantiles, GOGC, GOMEMLIMIT,
//	             top in-use allocation sites from the heap profile
//
// None of them stops the world for longer than the runtime's own profile
// collection, except the goroutine dump in detail mode, which is bounded by
// Goroutines.DetailMax so that it stays near 10 ms. Each type's documentation
// states its cost.
//
// # Bounds
//
// Every field that bounds what a section shows (Goroutines.MaxGroups,
// MaxFrames, MaxBytes and DetailMax, Threads.MaxThreads, Process.MaxFDs,
// Package.MaxDependencies, Heap.MaxSites) follows one rule: zero means the
// default, the Default constant of the same name (DefaultMaxGroups, ...); a
// negative value means none, so that the section shows only the counts, or
// skips the work altogether (no stack dump for a negative DetailMax, no heap
// profile for a negative MaxSites); and a positive value is the bound. What
// a bound leaves out is counted in the report.
//
// # Writing a section
//
// A section returns plain data — structs, maps, slices and scalars that
// encoding/json can marshal — and every formatter renders it:
//
//	queue := report.Func("queue", func(ctx context.Context) (any, error) {
//		return map[string]int{"depth": q.Len()}, nil
//	})
//
// Data that wants its own text layout may implement TextWriter. A section
// added to a report with gmr.WithSections has its data masked by the
// formatters with the same rules as the config section, since it is not known
// to mask its own.
package sections
