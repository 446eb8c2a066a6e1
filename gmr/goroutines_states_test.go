//go:build unix

package gmr_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
)

// goroutineChildBin builds testdata/goroutinechild into the test's
// temporary directory.
func goroutineChildBin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "goroutinechild")
	out, err := exec.Command("go", "build", "-o", bin, "../testdata/goroutinechild").CombinedOutput()
	require.NoError(t, err, "build goroutinechild: %s", out)
	return bin
}

// goroutinesJSON is the goroutines section of a JSON report, as these tests
// read it.
type goroutinesJSON struct {
	Total      int         `json:"total"`
	GroupCount int         `json:"group_count"`
	Mode       string      `json:"mode"`
	Groups     []groupJSON `json:"groups"`
	Own        struct {
		Goroutines int         `json:"goroutines"`
		GroupCount int         `json:"group_count"`
		Groups     []groupJSON `json:"groups"`
	} `json:"own"`
}

type groupJSON struct {
	Count         int    `json:"count"`
	State         string `json:"state"`
	StateSource   string `json:"state_source"`
	InferredState string `json:"inferred_state"`
	Where         string `json:"where"`
	Origin        *struct {
		Entry     string `json:"entry"`
		CreatedIn string `json:"created_in"`
		Via       string `json:"via"`
	} `json:"origin"`
	Labels        map[string]string `json:"labels"`
	VaryingLabels []struct {
		Key            string `json:"key"`
		Goroutines     int    `json:"goroutines"`
		Missing        int    `json:"missing"`
		Distinct       int    `json:"distinct"`
		DistinctCapped bool   `json:"distinct_capped"`
		Top            []struct {
			Value string `json:"value"`
			Count int    `json:"count"`
		} `json:"top"`
		Redacted bool `json:"redacted"`
	} `json:"varying_labels"`
	Detail *struct {
		CreatedBy []struct {
			Function  string `json:"function"`
			Via       string `json:"via"`
			Goroutine int64  `json:"goroutine"`
		} `json:"created_by"`
	} `json:"detail"`
}

// group returns the group shown by the function where, or nil.
func (g *goroutinesJSON) group(where string) *groupJSON {
	for i := range g.Groups {
		if g.Groups[i].Where == where {
			return &g.Groups[i]
		}
	}
	return nil
}

// goroutineReports starts bin with args twice, signals each child once
// (SIGUSR2), and returns the goroutines section of the text report it
// writes to stderr, the JSON report it writes to GMR_DIR, and that JSON's
// goroutines section.
func goroutineReports(t *testing.T, bin string, args ...string) (text string, js []byte, sec *goroutinesJSON) {
	t.Helper()
	c := startProgram(t, bin, nil, args...)
	c.signal(t)
	waitFor(t, 30*time.Second, "text report", func() bool { return strings.Contains(c.stderr.String(), formatters.Footer) })
	text = goroutineSection(t, c.stderr.String())

	dir := t.TempDir()
	c = startProgram(t, bin, []string{"GMR_DIR=" + dir, "GMR_FORMAT=json"}, args...)
	c.signal(t)
	waitFor(t, 30*time.Second, "json report", func() bool { return len(reportFiles(t, dir)) == 1 })
	js, err := os.ReadFile(filepath.Join(dir, reportFiles(t, dir)[0]))
	require.NoError(t, err)
	validateReport(t, "", js)
	var rep struct {
		Sections []struct {
			Name string          `json:"name"`
			Data json.RawMessage `json:"data"`
		} `json:"sections"`
	}
	require.NoError(t, json.Unmarshal(js, &rep))
	for _, s := range rep.Sections {
		if s.Name == "goroutines" {
			sec = &goroutinesJSON{}
			require.NoError(t, json.Unmarshal(s.Data, sec))
		}
	}
	require.NotNil(t, sec, "no goroutines section in %.2000s", js)
	return text, js, sec
}

// childStates are the groups of goroutinechild -states: the function each
// waits in, and its state as the runtime names it.
var childStates = map[string]string{
	"main.chanReceiver":  "chan receive",
	"main.selectWaiter":  "select",
	"main.mutexWaiter":   "sync.Mutex.Lock",
	"main.sleeper":       "sleep",
	"main.netReader":     "IO wait",
	"main.pipeReader":    "syscall",
	"main.groupWorker":   "chan receive",
	"main.spawnedWorker": "chan receive",
}

// TestGoroutineStatesGrouped signals a child whose goroutines wait in a
// channel receive, a select, a mutex, a sleep, a network read and a system
// call, in grouped mode (DetailMax 1): every group has the right state,
// inferred from its stack, in JSON and in text, and the goroutines started
// through sync.(*WaitGroup).Go and through a helper are attributed to the
// function that called it.
func TestGoroutineStatesGrouped(t *testing.T) {
	text, _, sec := goroutineReports(t, goroutineChildBin(t), "-states", "-detail-max", "1")
	require.Equal(t, "grouped", sec.Mode)
	for where, state := range childStates {
		g := sec.group(where)
		require.NotNil(t, g, "no group in %s: %+v", where, sec.Groups)
		assert.Equal(t, state, g.State, where)
		assert.Equal(t, "stack", g.StateSource, where)
		assert.Empty(t, g.InferredState, where)
		assert.Regexp(t, regexp.MustCompile(`\n\d+ goroutines?\n  state: `+regexp.QuoteMeta(state)+` \(from the stack\)\n(  .*\n)*?    (\S+  \[.*\]\n    )?`+regexp.QuoteMeta(where)+`\n`), text, where)
	}
	for where, via := range map[string]string{"main.groupWorker": "sync.(*WaitGroup).Go", "main.spawnedWorker": "main.spawn"} {
		g := sec.group(where)
		require.NotNil(t, g.Origin, where)
		assert.Equal(t, "main.parkStates", g.Origin.CreatedIn, where)
		assert.Equal(t, via, g.Origin.Via, where)
		assert.Contains(t, text, "\n  created by main.parkStates via "+via+" (from the stack)\n", where)
	}
	assert.Equal(t, 4, sec.group("main.mutexWaiter").Count)
	assert.NotContains(t, text, "\n  ids: ", "no per-goroutine detail in grouped mode")
}

// TestGoroutineStatesDetail signals the same child in detail mode: each
// group's state comes from the stack dump, and the state inferred from its
// stack is the same, for the child's groups and for every other group of
// the report, gmr's own included.
func TestGoroutineStatesDetail(t *testing.T) {
	text, _, sec := goroutineReports(t, goroutineChildBin(t), "-states")
	require.Equal(t, "detail", sec.Mode)
	for where, state := range childStates {
		g := sec.group(where)
		require.NotNil(t, g, "no group in %s: %+v", where, sec.Groups)
		assert.Equal(t, state, g.State, where)
		assert.Equal(t, "dump", g.StateSource, where)
	}
	checked := 0
	for _, g := range append(sec.Groups, sec.Own.Groups...) {
		if g.StateSource != "dump" {
			// Not in the dump: the goroutine that took it, and the main
			// goroutine if it was still on its way to reading stdin
			// when the profile was taken.
			continue
		}
		if g.State == "running" || g.State == "runnable" {
			// Awake for a moment when the dump was taken, such as
			// os/signal's loop, which the report's own SIGUSR2 wakes: its
			// stack still shows where it waits, and that is what the
			// inference reads.
			continue
		}
		checked++
		assert.Equal(t, g.State, g.InferredState, "the state inferred from the stack of the group in %s is the dump's", g.Where)
	}
	assert.Greater(t, checked, len(childStates), "the child's groups, its main goroutine's, os/signal's and gmr's own")
	wg := sec.group("main.groupWorker")
	require.NotNil(t, wg.Detail)
	require.Len(t, wg.Detail.CreatedBy, 1)
	assert.Equal(t, "main.parkStates", wg.Detail.CreatedBy[0].Function, "not sync.(*WaitGroup).Go")
	assert.Equal(t, "sync.(*WaitGroup).Go", wg.Detail.CreatedBy[0].Via)
	assert.Equal(t, int64(1), wg.Detail.CreatedBy[0].Goroutine)
	assert.Regexp(t, `\n2 goroutines\n  state: chan receive\n  ids: \d+, \d+\n  created by main\.parkStates via sync\.\(\*WaitGroup\)\.Go in goroutine 1\n`, text)
	assert.Regexp(t, `\n1 goroutine\n  state: chan receive\n  ids: \d+\n  created by main\.parkStates via main\.spawn in goroutine 1\n`, text)
}

// TestGoroutinePileupUniqueLabels signals a child with 10,000 goroutines
// waiting in one function on one mutex, each with a unique request_id
// label, and 100 goroutines elsewhere: the report shows one group of
// 10,000, first, with "10,000 distinct" request ids, in text and JSON.
func TestGoroutinePileupUniqueLabels(t *testing.T) {
	text, js, sec := goroutineReports(t, goroutineChildBin(t), "-pileup", "10000", "-others", "100")
	require.Equal(t, "grouped", sec.Mode)
	require.GreaterOrEqual(t, len(sec.Groups), 2)
	g := sec.Groups[0]
	assert.Equal(t, 10_000, g.Count, "one group of 10,000, ranked first")
	assert.Equal(t, "main.handler", g.Where)
	assert.Equal(t, "sync.Mutex.Lock", g.State)
	assert.Equal(t, map[string]string{"team": "payments"}, g.Labels, "the label all of them have")
	require.Len(t, g.VaryingLabels, 1)
	l := g.VaryingLabels[0]
	assert.Equal(t, "request_id", l.Key)
	assert.Equal(t, 10_000, l.Goroutines)
	assert.Zero(t, l.Missing)
	assert.Equal(t, 10_000, l.Distinct)
	assert.False(t, l.DistinctCapped)
	assert.Empty(t, l.Top, "no request id is shared: none listed")
	assert.Equal(t, 100, sec.Groups[1].Count)
	assert.Equal(t, "main.idleWorker", sec.Groups[1].Where)
	assert.Less(t, sec.GroupCount, 20, "labels did not split the groups")

	assert.Regexp(t, `\ngmr's own goroutines: \d+ in \d+ groups?, not listed here \(the JSON report lists them\)\n\n`+
		`10,000 goroutines  \[team=payments\]\n`+
		`  state: sync\.Mutex\.Lock \(from the stack\)\n`+
		`  label request_id: 10,000 distinct\n`+
		`(  .*\n)*?`+
		`    main\.handler\n`, text, "the pile-up first, after gmr's own line")
	assert.Regexp(t, `\n100 goroutines\n  state: chan receive \(from the stack\)\n`, text)

	var rep jsonFindings
	require.NoError(t, json.Unmarshal(js, &rep))
	require.NotEmpty(t, rep.Sections[0].Data.Findings)
	top := rep.Sections[0].Data.Findings[0]
	assert.Equal(t, "goroutine_pileup", top.Code, "the pile-up is the report's first finding")
	assert.Regexp(t, `^10,000 of 10,1\d\d goroutines \(9\d%\) in one stack: main\.handler \(sync\.Mutex\.Lock\)$`, top.Message)
}

// TestGoroutineLabelSecretsMasked signals a child whose goroutines carry
// secrets in their labels: under the secret keys token (a value each) and
// api_key (one value for all), and inside a URL under the innocent key
// upstream. The Reporter masks them all, in text and in JSON, where the
// innocent label stays.
func TestGoroutineLabelSecretsMasked(t *testing.T) {
	const secret = "Lbl-s3cret-canary"
	file := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(file, []byte(secret), 0o600))
	text, js, sec := goroutineReports(t, goroutineChildBin(t), "-secret-labels", file)
	assert.NotContains(t, text, secret)
	assert.NotContains(t, string(js), secret)
	g := sec.group("main.labelledWorker")
	require.NotNil(t, g)
	assert.Equal(t, map[string]string{"api_key": "***", "tenant": "acme"}, g.Labels)
	keys := map[string]int{}
	for i, l := range g.VaryingLabels {
		keys[l.Key] = i
	}
	require.Contains(t, keys, "token")
	require.Contains(t, keys, "upstream")
	token := g.VaryingLabels[keys["token"]]
	assert.True(t, token.Redacted)
	assert.Equal(t, 3, token.Distinct)
	require.Len(t, token.Top, 3)
	for _, v := range token.Top {
		assert.Equal(t, "***", v.Value)
	}
	upstream := g.VaryingLabels[keys["upstream"]]
	assert.False(t, upstream.Redacted)
	require.Len(t, upstream.Top, 2)
	for _, v := range upstream.Top {
		assert.Equal(t, "https://app:***@db.internal/", v.Value)
	}
	assert.Contains(t, text, "\n  label token: *** (1), *** (1), *** (1)\n")
	assert.Contains(t, text, "\n  label upstream: https://app:***@db.internal/ (2), https://app:***@db.internal/ (1)\n")
}
