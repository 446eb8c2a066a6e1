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
//	Option           Environment   Default
//	WithDir          GMR_DIR       stderr
//	WithFormat       GMR_FORMAT    text (or json, jsonl)
//	WithSignal       GMR_SIGNAL    SIGUSR2
//	WithService      -             executable name
//
// An invalid option is an error from Setup. An invalid environment variable
// is not: Setup writes one line about it to stderr and uses the default, so
// that an operator's typo never leaves a service that dies on SIGUSR2.
//
// # Safety
//
// Each section runs in its own goroutine under the report's deadline
// (WithTimeout). A section that fails, panics or overruns shows an error in
// its place, and the rest of the report is written. Report files are created
// with mode 0600 under a temporary name, synced, and renamed into place, so a
// reader never sees half a report.
package gmr
