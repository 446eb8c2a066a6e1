// Package sections holds the built-in sections of a Guru Meditation Report.
// Each implements the Section interface of package report
// (github.com/gmr-go/gmr/gmr/report), which also holds Func, to make a
// section from a function, and the rest of the report model.
//
// # Built-in sections
//
// Each is a struct whose zero value works; its fields are options. Which
// process a report is about (host, pid, start time) is in the report's
// header, and the command line in the config section alone.
//
//	Findings     what is wrong, most severe first, with stable codes: read from the
//	             other sections' data (a report.Reviewer), against Thresholds
//	Goroutines   every goroutine grouped by stack, labels summarised, with counts; a
//	             state for every group (the dump's, or inferred from the stack above
//	             DetailMax); ids, waits and creators from a full dump while there are
//	             at most DetailMax goroutines; what has been waiting long; the leak
//	             profile where the runtime has it; gmr's own goroutines apart
//	Threads      OS threads (Linux: name, state, CPU, switches), scheduler metrics,
//	             thread creation stacks, pile-ups of threads in system calls or cgo;
//	             lock contention, and the mutex and block profiles' top sites
//	Process      ids, resource usage and where the RSS went, rlimits, every open
//	             descriptor by kind and socket state, cgroup v1 and v2 limits, each
//	             figure near its limit flagged
//	Heap         runtime/metrics heap and GC figures, pause quantiles, GOGC, GOMEMLIMIT,
//	             top in-use allocation sites from the heap profile
//	Config       command line, flags, registered configuration values, secrets masked
//	Package      build and version, main module, VCS, build settings, dependencies, GODEBUG
//	Environment  environment variables, secrets masked, optional allowlist
//
// They are listed in the order of a report: the findings first, then the
// goroutines, with the build and the environment last.
//
// None of them stops the world for longer than the runtime's own profile
// collection, except the goroutines section's full stack dump in detail
// mode, which stops it for the whole dump and is bounded by
// Goroutines.DetailMax. Each type's documentation states its cost in kind:
// what it reads, and whether and how long it stops the world; the
// benchmarks measure it (go test -bench), and the README quotes their
// figures.
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
// Data that wants its own text layout may implement report.TextWriter.
//
// # Masking
//
// The Reporter masks every section's data, built-in or added with
// gmr.WithSections, in one pass after collection and before any formatter
// or file sees it, with one redactor built from every secret setting and
// the same rules as the config section (see package report). The built-in
// sections also mask early where a secret would otherwise be copied or
// flattened out of reach (flags, the command line, configuration values,
// the environment, build settings), with the redactor the Reporter puts in
// their context; a section of your own need not mask anything.
package sections
