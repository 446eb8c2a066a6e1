package sections

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/internal/redact"
	"github.com/gmr-go/gmr/internal/textfmt"
	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateGoroutineSeed = flag.Bool("update-goroutines", false,
	"rewrite testdata/goroutines/profile.pb.gz from this test process")

// goroutineSeedFile is a real goroutine profile, the fuzz test's seed.
var goroutineSeedFile = filepath.Join("..", "testdata", "goroutines", "profile.pb.gz")

const parkedFunc = "github.com/gmr-go/gmr/sections.parkedForGoroutinesTest"

// parkedForGoroutinesTest blocks until stop is closed. Its name is what the
// tests look for in the report.
//
//go:noinline
func parkedForGoroutinesTest(stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	<-stop
}

// parked counts the goroutines parkGoroutines has parked and not yet
// stopped.
var parked atomic.Int64

// parkGoroutines starts n goroutines in parkedForGoroutinesTest, with labels
// if any are given, waits until the goroutine profile shows them all
// parked, and stops them when the test ends.
func parkGoroutines(tb testing.TB, n int, labels ...string) {
	tb.Helper()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(n)
	start := func(context.Context) {
		for range n {
			go parkedForGoroutinesTest(stop, &wg)
		}
	}
	want := parked.Add(int64(n))
	if len(labels) > 0 {
		pprof.Do(context.Background(), pprof.Labels(labels...), start)
	} else {
		start(context.Background())
	}
	tb.Cleanup(func() {
		close(stop)
		wg.Wait()
		parked.Add(-int64(n))
	})
	// A goroutine that has not run yet has a different stack (its entry
	// point, not the channel receive), so wait until all are parked: in
	// one group, whatever their labels.
	deadline := time.Now().Add(10 * time.Second)
	for {
		rep := collectGoroutines(tb, Goroutines{MaxGroups: math.MaxInt})
		if g := parkedGroup(rep); g != nil && g.Count >= int(want) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("goroutines did not park within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// parkedGroup returns the group of rep whose stack is in
// parkedForGoroutinesTest, or nil.
func parkedGroup(rep *GoroutineReport) *GoroutineGroup {
	for i, g := range rep.Groups {
		if slices.ContainsFunc(g.Frames, func(f Frame) bool { return f.Function == parkedFunc }) {
			return &rep.Groups[i]
		}
	}
	return nil
}

func collectGoroutines(tb testing.TB, g Goroutines) *GoroutineReport {
	tb.Helper()
	data, err := g.Collect(context.Background())
	require.NoError(tb, err)
	rep, ok := data.(*GoroutineReport)
	require.True(tb, ok, "Collect returned %T, want *GoroutineReport", data)
	return rep
}

func TestGoroutinesName(t *testing.T) {
	assert.Equal(t, "goroutines", Goroutines{}.Name())
}

func TestGoroutinesCollect(t *testing.T) {
	const n, m = 100, 7
	const evil = "a\x1b[31m\n"
	parkGoroutines(t, n)
	parkGoroutines(t, m, "worker", evil)

	var sec report.Section = Goroutines{} // the zero value works
	data, err := sec.Collect(context.Background())
	require.NoError(t, err)
	rep := data.(*GoroutineReport)

	g := parkedGroup(rep)
	require.NotNil(t, g, "no group in %s", parkedFunc)
	assert.Equal(t, n+m, g.Count, "labels do not split a group")
	i := slices.IndexFunc(g.Frames, func(f Frame) bool { return f.Function == parkedFunc })
	assert.Equal(t, "goroutines_test.go", filepath.Base(g.Frames[i].File))
	assert.Positive(t, g.Frames[i].Line)
	assert.Equal(t, "runtime.gopark", g.Frames[0].Function, "innermost frame first")
	assert.Empty(t, g.Labels, "no label that every goroutine of the group has")
	assert.Equal(t, []GoroutineLabelSummary{{Key: "worker", Goroutines: m, Missing: n, Distinct: 1,
		Top: []GoroutineLabelValue{{Value: evil, Count: m}}}}, g.VaryingLabels)
	assert.Equal(t, "chan receive", g.State)
	assert.Equal(t, "dump", g.StateSource)
	assert.Equal(t, "chan receive", g.InferredState)
	assert.Equal(t, "sections.parkedForGoroutinesTest", g.Where)

	assert.GreaterOrEqual(t, rep.Total, n+m+1, "total counts the collecting goroutine too")
	assert.Equal(t, len(rep.Groups), rep.GroupCount)
	assert.Nil(t, rep.Omitted)
	assert.Equal(t, "goroutine profile (concurrent)", rep.Source)
	assert.Equal(t, "detail", rep.Mode, "a test process has fewer goroutines than DetailMax")
	sum := 0
	for _, g := range rep.Groups {
		sum += g.Count
		assert.NotEmpty(t, g.Frames)
	}
	assert.Equal(t, rep.Total, sum+rep.Own.Goroutines)
	assert.True(t, slices.IsSortedFunc(rep.Groups, func(a, b GoroutineGroup) int { return b.Count - a.Count }),
		"groups not sorted by count, descending")

	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	out := text.String()
	assert.Contains(t, out, "\n107 goroutines\n  state: chan receive\n  label worker: a\\x1b[31m\\n (7); 100 without it\n  ids: ")
	assert.Contains(t, out, "\n    runtime.chanrecv1  [+2 runtime frames]\n    "+parkedFunc+"\n        ")
	assert.NotContains(t, out, "\x1b", "raw escape from a label value")
}

func TestGoroutinesBounds(t *testing.T) {
	parkGoroutines(t, 50)
	parkGoroutines(t, 3, "worker", "b")

	full := collectGoroutines(t, Goroutines{MaxGroups: math.MaxInt, MaxFrames: math.MaxInt})
	rep := collectGoroutines(t, Goroutines{MaxGroups: 1, MaxFrames: 2})

	// Other tests' goroutines may come and go between the two calls, but
	// the largest group is this test's and the same in both.
	require.Len(t, rep.Groups, 1)
	g := rep.Groups[0]
	assert.Equal(t, 53, g.Count)
	require.Len(t, g.Frames, 2)
	assert.Equal(t, "runtime.gopark", g.Frames[0].Function)
	want := parkedGroup(full)
	require.NotNil(t, want)
	assert.Equal(t, want.Frames[:2], g.Frames)
	assert.Equal(t, len(want.Frames)-2, g.FramesOmitted)

	require.NotNil(t, rep.Omitted)
	assert.Equal(t, rep.GroupCount-1, rep.Omitted.Groups)
	assert.Equal(t, rep.Total-53-rep.Own.Goroutines, rep.Omitted.Goroutines)
	assert.Equal(t, "max_groups", rep.Omitted.Reason)
	assert.GreaterOrEqual(t, rep.Omitted.Groups, 1)

	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "    ... "+textfmt.Commas(g.FramesOmitted)+" more frames\n")
	assert.True(t, strings.HasSuffix(text.String(),
		"\n... and "+textfmt.Commas(rep.Omitted.Goroutines)+" more goroutines in "+textfmt.Commas(rep.Omitted.Groups)+" groups (max_groups)\n"),
		"text ends:\n%s", text.String())

	js, err := json.Marshal(rep)
	require.NoError(t, err)
	assert.Contains(t, string(js), `"frames_omitted":`+strconv.Itoa(g.FramesOmitted))
	assert.Contains(t, string(js), `"omitted":{"goroutines":`+strconv.Itoa(rep.Omitted.Goroutines)+`,"groups":`+strconv.Itoa(rep.Omitted.Groups)+`,"reason":"max_groups"}`)
}

func TestGoroutinesCollectDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data, err := Goroutines{}.Collect(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, data)
}

func TestGoroutinesConcurrentCollect(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			_, err := Goroutines{MaxGroups: 2}.Collect(context.Background())
			assert.NoError(t, err)
		})
	}
	wg.Wait()
}

// fakeProfile builds goroutine profiles by hand.
type fakeProfile struct {
	p     *profile.Profile
	funcs map[string]*profile.Function
}

func newFakeProfile() *fakeProfile {
	return &fakeProfile{
		p: &profile.Profile{
			SampleType: []*profile.ValueType{{Type: "goroutine", Unit: "count"}},
		},
		funcs: map[string]*profile.Function{},
	}
}

// loc adds a location for the given lines, innermost first, each written
// "function:line"; with no lines it is unsymbolized.
func (f *fakeProfile) loc(lines ...string) *profile.Location {
	l := &profile.Location{ID: uint64(len(f.p.Location) + 1), Address: 0x1000 + uint64(len(f.p.Location))}
	for _, s := range lines {
		name, num, _ := strings.Cut(s, ":")
		fn := f.funcs[name]
		if fn == nil {
			fn = &profile.Function{ID: uint64(len(f.p.Function) + 1), Name: name, Filename: "/src/" + name + ".go"}
			f.funcs[name] = fn
			f.p.Function = append(f.p.Function, fn)
		}
		var line int64
		for _, c := range num {
			line = line*10 + int64(c-'0')
		}
		l.Line = append(l.Line, profile.Line{Function: fn, Line: line})
	}
	f.p.Location = append(f.p.Location, l)
	return l
}

func (f *fakeProfile) sample(count int64, labels map[string][]string, locs ...*profile.Location) *profile.Sample {
	s := &profile.Sample{Value: []int64{count}, Location: locs, Label: labels}
	f.p.Sample = append(f.p.Sample, s)
	return s
}

func fakeFrame(fn string, line int) Frame {
	return Frame{Function: fn, File: "/src/" + fn + ".go", Line: line}
}

// running is a group of the fake profiles of TestSummarize, whose frames
// are not parked: its state is "running", and where and entry are the
// short name of its innermost frame (one of the program's) and the name of
// its outermost.
func running(count int, frames ...Frame) GoroutineGroup {
	return GoroutineGroup{Count: count, State: "running", StateSource: "stack", Where: shortFunc(frames[0].Function),
		Origin: &GoroutineOrigin{Entry: frames[len(frames)-1].Function}, Frames: frames}
}

func TestSummarize(t *testing.T) {
	defaults := Goroutines{}.limits()
	tests := []struct {
		name  string
		build func(f *fakeProfile)
		lim   goroutineLimits
		want  *GoroutineReport
	}{
		{
			name:  "empty",
			build: func(*fakeProfile) {},
			lim:   defaults,
			want:  &GoroutineReport{Groups: []GoroutineGroup{}},
		},
		{
			name: "same stack at different addresses merges",
			build: func(f *fakeProfile) {
				main := f.loc("main.main:5")
				f.sample(3, nil, f.loc("main.park:10"), main)
				f.sample(4, nil, f.loc("main.park:10"), main)
				f.sample(1, nil, f.loc("main.park:11"), main)
			},
			lim: defaults,
			want: &GoroutineReport{Total: 8, GroupCount: 2, Groups: []GoroutineGroup{
				running(7, fakeFrame("main.park", 10), fakeFrame("main.main", 5)),
				running(1, fakeFrame("main.park", 11), fakeFrame("main.main", 5)),
			}},
		},
		{
			name: "labels never split a group",
			build: func(f *fakeProfile) {
				park := f.loc("main.park:10")
				f.sample(2, map[string][]string{"worker": {"a"}}, park)
				f.sample(5, nil, park)
				f.sample(2, map[string][]string{"worker": {"a"}}, park)
				s := f.sample(1, map[string][]string{"worker": {"a"}}, park)
				s.NumLabel = map[string][]int64{"size": {512}, "n": {3}}
				s.NumUnit = map[string][]string{"size": {"bytes"}}
			},
			lim: defaults,
			want: &GoroutineReport{Total: 10, GroupCount: 1, Groups: []GoroutineGroup{func() GoroutineGroup {
				g := running(10, fakeFrame("main.park", 10))
				g.VaryingLabels = []GoroutineLabelSummary{
					{Key: "n", Goroutines: 1, Missing: 9, Distinct: 1, Top: []GoroutineLabelValue{{Value: "3", Count: 1}}},
					{Key: "size", Goroutines: 1, Missing: 9, Distinct: 1, Top: []GoroutineLabelValue{{Value: "512 bytes", Count: 1}}},
					{Key: "worker", Goroutines: 5, Missing: 5, Distinct: 1, Top: []GoroutineLabelValue{{Value: "a", Count: 5}}},
				}
				return g
			}()}},
		},
		{
			name: "labels every goroutine has with one value, and values that vary",
			build: func(f *fakeProfile) {
				park := f.loc("main.park:10")
				for i := range 9 {
					f.sample(1, map[string][]string{"team": {"a"}, "req": {"r" + strconv.Itoa(i)}, "tier": {[]string{"gold", "gold", "free"}[i%3]}}, park)
				}
				f.sample(3, map[string][]string{"team": {"a"}, "req": {"r0"}, "tier": {"free"}}, park)
			},
			lim: defaults,
			want: &GoroutineReport{Total: 12, GroupCount: 1, Groups: []GoroutineGroup{func() GoroutineGroup {
				g := running(12, fakeFrame("main.park", 10))
				g.Labels = map[string]string{"team": "a"}
				g.VaryingLabels = []GoroutineLabelSummary{
					// Nine distinct ids: only the one shared is listed.
					{Key: "req", Goroutines: 12, Distinct: 9, Top: []GoroutineLabelValue{{Value: "r0", Count: 4}}},
					{Key: "tier", Goroutines: 12, Distinct: 2, Top: []GoroutineLabelValue{{Value: "free", Count: 6}, {Value: "gold", Count: 6}}},
				}
				return g
			}()}},
		},
		{
			name: "inlined frames innermost first",
			build: func(f *fakeProfile) {
				f.sample(1, nil, f.loc("bytes.(*Buffer).grow:20", "bytes.(*Buffer).Write:30", "main.write:40"), f.loc("main.main:50"))
			},
			lim: defaults,
			want: &GoroutineReport{Total: 1, GroupCount: 1, Groups: []GoroutineGroup{func() GoroutineGroup {
				g := running(1, fakeFrame("bytes.(*Buffer).grow", 20), fakeFrame("bytes.(*Buffer).Write", 30), fakeFrame("main.write", 40), fakeFrame("main.main", 50))
				g.Where = "main.write" // the innermost outside the standard library
				return g
			}()}},
		},
		{
			name: "ties broken by stack, skipped non-positive counts, unsymbolized frames",
			build: func(f *fakeProfile) {
				f.sample(2, nil, f.loc("main.b:1"))
				f.sample(0, nil, f.loc("main.zero:1"))
				f.sample(-3, nil, f.loc("main.negative:1"))
				f.sample(2, nil, f.loc("main.a:1"))
				f.sample(2, nil, f.loc())
			},
			lim: defaults,
			want: &GoroutineReport{Total: 6, GroupCount: 3, Groups: []GoroutineGroup{
				running(2, Frame{Function: "0x1004"}),
				running(2, fakeFrame("main.a", 1)),
				running(2, fakeFrame("main.b", 1)),
			}},
		},
		{
			name: "max groups and frames",
			build: func(f *fakeProfile) {
				f.sample(1000, nil, f.loc("main.a:1", "main.b:2"), f.loc("main.c:3"))
				for i := range 97 {
					f.sample(int64(40+i%10), nil, f.loc("main.x:"+strconv.Itoa(i)))
				}
				f.sample(1, nil, f.loc("main.a:1"), f.loc("main.z:3"))
			},
			lim: goroutineLimits{groups: 2, frames: 2, bytes: DefaultMaxBytes},
			want: &GoroutineReport{Total: 1000 + 97*40 + 9*45 + 21 + 1, GroupCount: 99,
				Groups: []GoroutineGroup{
					func() GoroutineGroup {
						g := running(1000, fakeFrame("main.a", 1), fakeFrame("main.b", 2))
						g.FramesOmitted = 1
						g.Origin.Entry = "main.c"
						return g
					}(),
					running(49, fakeFrame("main.x", 9)), // the first of nine with 49
				},
				Omitted: &GoroutineOmission{Goroutines: 97*40 + 9*45 + 21 + 1 - 49, Groups: 97, Reason: "max_groups"},
			},
		},
		{
			name: "max bytes",
			build: func(f *fakeProfile) {
				f.sample(3, nil, f.loc("main.a:1"))         // 13+34+11+25+1 = 84 bytes of text
				f.sample(2, nil, f.loc("main.bbbbbbbbb:1")) // 13+34+19+33+1 = 100
				f.sample(1, nil, f.loc("main.c:1"))
			},
			// 71 bytes for the line on the waiting-long summary.
			lim: goroutineLimits{groups: 10, frames: 10, bytes: 71 + 100},
			want: &GoroutineReport{Total: 6, GroupCount: 3,
				Groups:  []GoroutineGroup{running(3, fakeFrame("main.a", 1))},
				Omitted: &GoroutineOmission{Goroutines: 3, Groups: 2, Reason: "max_bytes"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeProfile()
			tt.build(f)
			require.NoError(t, f.p.CheckValid())
			tt.want.Source = "goroutine profile (concurrent)"
			tt.want.Mode = "grouped"
			tt.want.WaitingLong = GoroutineWaits{Note: "not known in grouped mode, without per-goroutine detail", Places: []GoroutineWait{}}
			tt.want.Leaks.Groups = []GoroutineGroup{}
			tt.want.Own.Groups = []GoroutineGroup{}
			assert.Equal(t, tt.want, summarize(f.p, nil, leakInput{}, tt.lim))
		})
	}
}

func TestGoroutineReportWriteText(t *testing.T) {
	rep := &GoroutineReport{
		Total:      5213,
		GroupCount: 99,
		Source:     "goroutine profile (concurrent)",
		Groups: []GoroutineGroup{
			{Count: 1000, Labels: map[string]string{"worker": "a", "evil": "\x1b]0;pwned\x07\r"}, Frames: []Frame{
				{Function: "main.park", File: "/src/child/main.go", Line: 12},
				{Function: "main.main.func1", File: "/src/child/main.go", Line: 30},
			}, FramesOmitted: 3},
			{Count: 1, Frames: []Frame{{Function: "0x4f00"}}},
		},
		Omitted: &GoroutineOmission{Goroutines: 4212, Groups: 97, Reason: "max_groups"},
	}
	const want = `5,213 goroutines in 99 groups from the goroutine profile (concurrent)

1,000 goroutines  [evil=\x1b]0;pwned\x07\r, worker=a]
    main.park
        /src/child/main.go:12
    main.main.func1
        /src/child/main.go:30
    ... 3 more frames

1 goroutine
    0x4f00

... and 4,212 more goroutines in 97 groups (max_groups)
`
	var buf bytes.Buffer
	require.NoError(t, rep.WriteText(&buf))
	assert.Equal(t, want, buf.String())

	buf.Reset()
	require.NoError(t, (*GoroutineReport)(nil).WriteText(&buf))
	assert.Equal(t, "(no goroutine data)\n", buf.String())

	assert.ErrorContains(t, rep.WriteText(failingWriter{}), "write goroutine report: disk full")
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

var errDiskFull = errors.New("disk full")

// TestWriteGoroutineSeed rewrites the fuzz seed with -update-goroutines.
func TestWriteGoroutineSeed(t *testing.T) {
	if !*updateGoroutineSeed {
		t.Skip("run with -update-goroutines to rewrite " + goroutineSeedFile)
	}
	parkGoroutines(t, 3)
	parkGoroutines(t, 2, "worker", "a", "tenant", "x")
	var buf bytes.Buffer
	require.NoError(t, pprof.Lookup("goroutine").WriteTo(&buf, 0))
	require.NoError(t, os.MkdirAll(filepath.Dir(goroutineSeedFile), 0o755))
	require.NoError(t, os.WriteFile(goroutineSeedFile, buf.Bytes(), 0o644))
}

func FuzzParseGoroutineProfile(f *testing.F) {
	// Seeds: the stored profile and this process's, each gzipped as the
	// runtime writes it and plain (which mutates into more valid protos),
	// and the debug=1 text form, which profile.Parse also reads.
	var seeds [][]byte
	if seed, err := os.ReadFile(goroutineSeedFile); err == nil {
		seeds = append(seeds, seed)
	} else {
		f.Logf("no stored seed: %v", err)
	}
	var buf bytes.Buffer
	require.NoError(f, pprof.Lookup("goroutine").WriteTo(&buf, 0))
	seeds = append(seeds, bytes.Clone(buf.Bytes()))
	for _, seed := range seeds {
		f.Add(seed)
		zr, err := gzip.NewReader(bytes.NewReader(seed))
		require.NoError(f, err)
		plain, err := io.ReadAll(zr)
		require.NoError(f, err)
		f.Add(plain)
	}
	buf.Reset()
	require.NoError(f, pprof.Lookup("goroutine").WriteTo(&buf, 1))
	f.Add(buf.Bytes())
	lim := goroutineLimits{groups: 3, frames: 4, bytes: 4096}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := profile.Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		rep := summarize(p, nil, leakInput{}, lim)

		want := 0
		for _, s := range p.Sample {
			if len(s.Value) > 0 && s.Value[0] > 0 {
				want += int(min(s.Value[0], math.MaxInt32))
			}
		}
		require.Equal(t, want, rep.Total, "total")
		sum, groups := 0, len(rep.Groups)
		if rep.Omitted != nil {
			sum, groups = rep.Omitted.Goroutines, groups+rep.Omitted.Groups
			require.Positive(t, rep.Omitted.Groups)
		}
		for i, g := range rep.Groups {
			sum += g.Count
			require.Positive(t, g.Count)
			require.LessOrEqual(t, len(g.Frames), lim.frames)
			require.GreaterOrEqual(t, g.FramesOmitted, 0)
			if i > 0 {
				require.GreaterOrEqual(t, rep.Groups[i-1].Count, g.Count, "groups not sorted")
			}
		}
		require.Equal(t, rep.Total, sum, "sum of counts")
		require.Equal(t, rep.GroupCount, groups, "group count")
		require.LessOrEqual(t, len(rep.Groups), lim.groups)

		var text bytes.Buffer
		require.NoError(t, rep.WriteText(&text))
		for i, c := range text.Bytes() {
			if c < 0x20 && c != '\n' || c == 0x7f {
				t.Fatalf("raw control byte %#x at %d in text:\n%q", c, i, text.String())
			}
		}
		_, err = json.Marshal(rep)
		require.NoError(t, err)
	})
}

// TestGoroutineLabelsAreRedacted masks the section's data as the Reporter's
// masking pass does (redact.InPlace) and checks the labels, in the groups
// and in the profile kept for the file beside a report.
func TestGoroutineLabelsAreRedacted(t *testing.T) {
	parkGoroutines(t, 3, "session", "s3cr3t-label-canary", "tenant", "acme", "upstream", "https://u:pw-canary@up/", "pin", "pin-canary")
	data, err := Goroutines{}.Collect(context.Background())
	require.NoError(t, err)
	rep := data.(*GoroutineReport)
	red := &redact.Redactor{Extra: []string{"pin"}}
	red.InPlace(rep)
	red.Profile(rep.Profile())
	var pb bytes.Buffer
	require.NoError(t, rep.Profile().Write(&pb))
	reread, err := profile.Parse(&pb)
	require.NoError(t, err)
	for _, s := range reread.Sample {
		for k, vs := range s.Label {
			for _, v := range vs {
				assert.NotContains(t, v, "canary", "label %s in the profile", k)
			}
		}
	}
	var found *GoroutineGroup
	for i := range rep.Groups {
		if rep.Groups[i].Labels["tenant"] == "acme" {
			found = &rep.Groups[i]
		}
	}
	require.NotNil(t, found, "the labelled group")
	assert.Equal(t, 3, found.Count)
	assert.Equal(t, "***", found.Labels["session"], "a label under a secret key")
	assert.Equal(t, "https://u:***@up/", found.Labels["upstream"], "a secret inside a label value")
	assert.Equal(t, "***", found.Labels["pin"], "a label under an extra secret key")
	var buf bytes.Buffer
	require.NoError(t, rep.WriteText(&buf))
	assert.NotContains(t, buf.String(), "canary")
}

func TestGoroutinesReducedTakesNoDump(t *testing.T) {
	data, err := Goroutines{LeakProfile: true}.Collect(WithReduced(context.Background()))
	require.NoError(t, err)
	r := data.(*GoroutineReport)
	assert.Equal(t, modeGrouped, r.Mode, "no dump, though the program has few goroutines")
	assert.Nil(t, r.Dump)
	assert.Equal(t, "a small report, for a process near its memory limit: no full stack dump", r.ModeReason)
	assert.False(t, r.Leaks.Available)
	assert.Contains(t, r.Leaks.Note, "a small report")
	assert.Positive(t, r.Total, "the groups are still there")
}
