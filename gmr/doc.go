// Package gmr writes Guru Meditation Reports: on a signal, a Go service
// writes one complete report of its live state — build and version,
// configuration with secrets masked, every goroutine grouped by stack, its OS
// threads, heap and GC — to stderr or to a file, and goes on serving.
//
// It is OpenStack's oslo.reports for Go. It opens no port, attaches nothing
// from outside, and does not stop the world for a goroutine dump: the
// goroutine section is built from the runtime's goroutine profile, which is
// collected concurrently.
//
// # Use
//
// One statement in main:
//
//	func main() {
//		gmr.Setup()
//		...
//	}
//
// then, from a shell:
//
//	kill -USR2 <pid>
//
// # Configuration
//
// Options win over the environment, which wins over the defaults:
//
//	Option                     Environment        Default
//	WithDir                    GMR_DIR            stderr
//	WithFormat                 GMR_FORMAT         text (or json, jsonl, jsonl-sections)
//	WithSignal                 GMR_SIGNAL         SIGUSR2
//	WithTriggerFile            GMR_TRIGGER_FILE   none
//	WithEnvironmentAllowlist   GMR_ENV_ALLOW      every variable, masked
//	sections.Goroutines        GMR_LEAK_PROFILE   off (it runs a GC cycle)
//	  {LeakProfile: true}
//	WithService                -                  executable name
//	WithStderr                 -                  os.Stderr: reports without GMR_DIR, and notices
//	WithLogger                 -                  none: notices are lines on stderr
//
// An invalid option is an error from Setup. An invalid environment variable
// is not: Setup writes one notice about it and uses the default, so that an
// operator's typo never leaves a service without reports.
//
// # Notices
//
// gmr's own messages — a report written to GMR_DIR ("report (TRIGGER)
// written to PATH in D"), an ignored GMR_* variable, a fallback to stderr or
// to the text format, a failure — are notices, masked like the report.
// Without WithLogger each is one line on the WithStderr writer: "gmr: ..."
// when the format is text, and a JSON object when it is json, jsonl or
// jsonl-sections:
//
//	{"time":"...","level":"INFO","msg":"report (api) written to /var/gmr/... in 41ms","gmr":true,"location":"/var/gmr/...","trigger":"api","duration_ms":41.2,"goroutines":25}
//
// WithLogger sends them to a *slog.Logger instead, as records at Info
// (report written), Warn (ignored variable, fallback) or Error (failure),
// with the attributes location, trigger, duration_ms, goroutines and
// top_finding (omitted while a report has no findings), error, variable and
// a few more (see WithLogger). Reports still go to GMR_DIR or to the
// WithStderr writer: only the notices move.
//
// # Safety
//
// Each section runs in its own goroutine under its own deadline
// (WithSectionTimeout) within the report's (WithTimeout). A section that
// fails, panics or overruns shows an error in its place, and the rest of the
// report is written; a section still running from an earlier report is
// skipped rather than started again. Triggers that arrive during a report, or
// within the minimum interval (WithMinInterval), fold into one more report.
//
// Report files are created with mode 0600 under a temporary name, relative to
// the directory opened at Setup and never through a symbolic link, synced,
// and renamed into place, so a reader never sees half a report. A spare file
// descriptor is kept so that a process out of descriptors still writes its
// report; a full or read-only disk sends the report to stderr. Old reports
// beyond WithRetention's bounds are removed.
//
// A Go program drops SIGUSR1 and SIGUSR2 when nothing has asked for them, so
// a report signal that arrives before Setup is harmless. After Stop, gmr
// keeps its signal caught and dropped, so that a trigger such as SIGHUP never
// falls back to ending the process; other code's signal.Notify is not
// affected.
//
// # Cost
//
// A report stops the world, briefly, at most three times: the goroutine
// profile stops it twice, for a moment at its start and end, and collects
// the stacks between them while the program runs; with at most
// Goroutines.DetailMax goroutines, a full stack dump (runtime.Stack) stops
// it once more, for as long as the dump takes. Where the runtime has the
// goroutine leak profile (Go 1.27), reading it runs a garbage collection
// cycle, with that cycle's own two short pauses. Writing files stops
// nothing. runtime.Stack(all), the SIGQUIT dump, instead stops the program
// for the whole dump of every goroutine. The README has the figures.
package gmr
