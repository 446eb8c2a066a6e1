//go:build unix

package gmr_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/gmr-go/gmr/formatters"
)

// goroutineSection returns the goroutines section of a text report, from
// under its banner to the next banner.
func goroutineSection(t *testing.T, report string) string {
	t.Helper()
	loc := goroutineBanner.FindStringIndex(report)
	if loc == nil {
		t.Fatalf("no goroutines section in:\n%s", report)
	}
	sec, _, _ := strings.Cut(report[loc[1]:], "\n"+strings.Repeat("=", formatters.Width)+"\n")
	return "\n" + sec
}

var goroutineBanner = regexp.MustCompile(`(?m)^==== +Goroutines +====\n=+\n`)

// TestSignalGoroutines100k signals a child with 100,000 parked goroutines:
// the report comes within a few seconds, in grouped mode, with the group's
// exact count.
func TestSignalGoroutines100k(t *testing.T) {
	c := startChild(t, nil, "-park", "100000")
	start := time.Now()
	c.signal(t)
	waitFor(t, 30*time.Second, "report", func() bool {
		return strings.Contains(c.stderr.String(), formatters.Footer)
	})
	took := time.Since(start)
	t.Logf("report of 100,000 goroutines in %v", took)
	assert.Less(t, took, 5*time.Second, "report of 100,000 goroutines within a few seconds")

	sec := goroutineSection(t, c.stderr.String())
	assert.Regexp(t, regexp.MustCompile(`(?m)^100,000 goroutines\n(\s+\S[^\n]*\n)*?\s+main\.parkedWorker\n`), sec,
		"a group of exactly 100,000 goroutines parked in main.parkedWorker")
	assert.Regexp(t, `\ngrouped mode: 100,0\d\d goroutines, more than the detail limit of 1,000: a full stack dump would stop the program for too long\n`, sec)
	assert.Contains(t, sec, "\nwaiting long: not known in grouped mode, without per-goroutine detail\n")
	assert.NotContains(t, sec, "\n  ids: ", "no per-goroutine detail")
	assert.Regexp(t, `(?m)^100,000 goroutines\n  state: chan receive \(from the stack\)\n`, sec, "but a state, from the stack")
	assert.Less(t, len(sec), 1<<20+64<<10, "the section's size is bounded")
	assert.True(t, c.alive())
}

// TestSignalGoroutinesDetail signals a child with a few goroutines, some
// stuck on a mutex another holds, some in a select: the report has each
// group's state, ids and creator.
func TestSignalGoroutinesDetail(t *testing.T) {
	c := startChild(t, nil, "-park", "5", "-park-mutex", "2", "-park-select", "3")
	c.signal(t)
	waitFor(t, 20*time.Second, "report", func() bool {
		return strings.Contains(c.stderr.String(), formatters.Footer)
	})
	sec := goroutineSection(t, c.stderr.String())
	assert.Regexp(t, `\ndetail mode: \d+ goroutines, no more than the detail limit of 1,000\n`+
		`  ids, states and waits from a full stack dump of \d+ goroutines \([0-9.]+ KiB\), which stopped the program for [0-9.]+[µm]s\n`, sec)
	assert.Regexp(t, `\n5 goroutines\n  state: chan receive\n  ids: \d+, \d+, \d+, \d+, \d+\n`+
		`  created by main\.main in goroutine 1 at \S+/testdata/child/main\.go:\d+\n`+
		`    runtime\.chanrecv1  \[\+2 runtime frames\]\n`+
		`    main\.parkedWorker\n`, sec)
	assert.Regexp(t, `\n2 goroutines\n  state: sync\.Mutex\.Lock\n  ids: \d+, \d+\n`+
		`  created by main\.parkBlocked in goroutine 1 at \S+\n`+
		`    sync\.\(\*Mutex\)\.Lock  \[\+\d+ runtime frames\]\n`+
		`    main\.mutexWaiter\n`, sec)
	assert.Regexp(t, `\n3 goroutines\n  state: select\n  ids: \d+, \d+, \d+\n`, sec)
	assert.Regexp(t, `\n1 goroutine\n  state: chan receive\n  ids: \d+\n  created by main\.parkBlocked in goroutine 1 at \S+\n`+
		`    runtime\.chanrecv1  \[\+2 runtime frames\]\n    main\.mutexHolder\n`, sec)
	// Blocked for less than a minute: not waiting long, by default; or,
	// in a child that has not collected yet, not known.
	assert.Regexp(t, `\nwaiting long \(blocked 1 minute or more on a channel, lock, WaitGroup, Cond or select\): (none|no wait is known yet: no GC has run since the process started, [^\n]*)\n`, sec)
	// The leak profile is off unless GMR_LEAK_PROFILE asks for it, and
	// then the text says nothing of it.
	assert.NotContains(t, sec, "leaked goroutines")
	// gmr's own goroutines are one line, not groups.
	assert.Regexp(t, `\ngmr's own goroutines: \d+ in \d+ groups?, not listed here \(the JSON report lists them\)\n`, sec)
	assert.NotContains(t, sec, "gmr/gmr.(*Reporter)")
	assert.True(t, c.alive())
}

// TestSignalGoroutineLeaks signals a child that leaks goroutines on
// purpose: the report lists them. Go 1.27 has the goroutine leak profile by
// default; on Go 1.26 the child is built with the leak detector
// (GOEXPERIMENT=goroutineleakprofile), whose first build compiles the
// standard library again, which takes half a minute; -short skips that.
func TestSignalGoroutineLeaks(t *testing.T) {
	bin := childBin
	if pprof.Lookup("goroutineleak") == nil {
		if testing.Short() {
			t.Skip("builds the standard library with GOEXPERIMENT=goroutineleakprofile")
		}
		bin = filepath.Join(t.TempDir(), "child-leaks")
		cmd := exec.Command("go", "build", "-o", bin, "../testdata/child")
		cmd.Env = append(os.Environ(), "GOEXPERIMENT=goroutineleakprofile")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("this toolchain cannot build with GOEXPERIMENT=goroutineleakprofile: %v\n%s", err, out)
		}
	}
	c := startProgram(t, bin, []string{"GMR_LEAK_PROFILE=1"}, "-park", "4", "-leak", "3")
	c.signal(t)
	waitFor(t, 20*time.Second, "report", func() bool {
		return strings.Contains(c.stderr.String(), formatters.Footer)
	})
	sec := goroutineSection(t, c.stderr.String())
	assert.Regexp(t, `\nleaked goroutines \(goroutineleak profile\): 3 in 1 group\n\n`+
		`  3 goroutines\n    state: chan receive \(leaked\)\n    ids: \d+, \d+, \d+\n`+
		`    created by main\.main in goroutine 1 at \S+\n`+
		`      runtime\.chanrecv1  \[\+2 runtime frames\]\n      main\.leakedWorker\n`, sec)
	assert.Regexp(t, `\n3 goroutines\n  state: chan receive \(leaked\)\n`, sec, "the dump, taken after the leak detector ran, marks them")
	assert.Regexp(t, `\n4 goroutines\n  state: chan receive\n`, sec, "parked goroutines that can be woken have not leaked")
	assert.True(t, c.alive())
}
