package sections

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateContentionSeed = flag.Bool("update-contention", false, "rewrite "+contentionSeedDir)

// contentionSeedDir holds the fuzz seeds of FuzzContentionProfile.
const contentionSeedDir = "testdata/fuzz/FuzzContentionProfile"

// contentionProfile builds a mutex-style profile with one sample per stack,
// each stack's functions innermost first, and its count and delay in ns.
func contentionProfile(samples ...contentionSample) *profile.Profile {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "contentions", Unit: "count"}, {Type: "delay", Unit: "nanoseconds"}},
	}
	fns := map[string]*profile.Function{}
	for _, s := range samples {
		var locs []*profile.Location
		for i, name := range s.stack {
			fn := fns[name]
			if fn == nil {
				fn = &profile.Function{ID: uint64(len(fns) + 1), Name: name, Filename: "/src/" + strings.Split(name, ".")[0] + ".go"}
				fns[name] = fn
				p.Function = append(p.Function, fn)
			}
			loc := &profile.Location{ID: uint64(len(p.Location) + 1), Address: uint64(0x1000 + len(p.Location)),
				Line: []profile.Line{{Function: fn, Line: int64(10 + i)}}}
			p.Location = append(p.Location, loc)
			locs = append(locs, loc)
		}
		p.Sample = append(p.Sample, &profile.Sample{Location: locs, Value: []int64{s.count, s.delay}})
	}
	return p
}

type contentionSample struct {
	stack        []string
	count, delay int64
}

func TestContentionAddSites(t *testing.T) {
	unlock := "sync.(*Mutex).Unlock"
	tests := []struct {
		name    string
		p       *profile.Profile
		n       int
		want    []ContentionSite
		omitted int
		count   int64
		delay   Millis
		err     string
	}{
		{
			name: "grouped by function and op, longest first",
			p: contentionProfile(
				contentionSample{[]string{unlock, "main.small", "main.main"}, 3, 100},
				contentionSample{[]string{unlock, "main.big", "main.handle", "main.serve", "main.main"}, 5, 2000},
				contentionSample{[]string{unlock, "main.big", "main.other"}, 1, 5000},
				contentionSample{[]string{"sync.(*RWMutex).Unlock", "main.big"}, 1, 1},
			),
			n: 10,
			want: []ContentionSite{
				{Function: "main.big", File: "/src/main.go", Line: 11, Op: unlock, Delay: 7000, Count: 6,
					Callers: []Frame{{Function: "main.other", File: "/src/main.go", Line: 12}}},
				{Function: "main.small", File: "/src/main.go", Line: 11, Op: unlock, Delay: 100, Count: 3,
					Callers: []Frame{{Function: "main.main", File: "/src/main.go", Line: 12}}},
				{Function: "main.big", File: "/src/main.go", Line: 11, Op: "sync.(*RWMutex).Unlock", Delay: 1, Count: 1,
					Callers: []Frame{}},
			},
			count: 10, delay: 7101,
		},
		{
			name: "bounded, callers cut to three",
			p: contentionProfile(
				contentionSample{[]string{unlock, "main.a", "main.b", "main.c", "main.d", "main.e"}, 1, 30},
				contentionSample{[]string{unlock, "main.b"}, 1, 20},
				contentionSample{[]string{unlock, "main.c"}, 1, 10},
			),
			n: 1,
			want: []ContentionSite{{Function: "main.a", File: "/src/main.go", Line: 11, Op: unlock, Delay: 30, Count: 1,
				Callers: []Frame{{Function: "main.b", File: "/src/main.go", Line: 12}, {Function: "main.c", File: "/src/main.go", Line: 13},
					{Function: "main.d", File: "/src/main.go", Line: 14}}}},
			omitted: 2, count: 3, delay: 60,
		},
		{
			name: "only runtime frames: the innermost is the site",
			p:    contentionProfile(contentionSample{[]string{"runtime.unlock", "runtime.findRunnable"}, 2, 40}),
			n:    10,
			want: []ContentionSite{{Function: "runtime.unlock", File: "/src/runtime.go", Line: 10, Delay: 40, Count: 2,
				Callers: []Frame{{Function: "runtime.findRunnable", File: "/src/runtime.go", Line: 11}}}},
			count: 2, delay: 40,
		},
		{
			name: "empty stack and negative values",
			p: contentionProfile(
				contentionSample{nil, 1, 5},
				contentionSample{[]string{"main.x"}, -1, 5},
				contentionSample{[]string{"main.y"}, 1, -5},
			),
			n:     10,
			want:  []ContentionSite{{Function: "?", Delay: 5, Count: 1, Callers: []Frame{}}},
			count: 1, delay: 5,
		},
		{
			name: "overflow saturates",
			p: contentionProfile(
				contentionSample{[]string{"main.x"}, 1<<62 + 1<<61, 1<<62 + 1<<61},
				contentionSample{[]string{"main.x"}, 1<<62 + 1<<61, 1<<62 + 1<<61},
			),
			n: 10,
			want: []ContentionSite{{Function: "main.x", File: "/src/main.go", Line: 10, Delay: 1<<63 - 1, Count: 1<<63 - 1,
				Callers: []Frame{}}},
			count: 1<<63 - 1, delay: 1<<63 - 1,
		},
		{
			name: "wrong sample types",
			p:    &profile.Profile{SampleType: []*profile.ValueType{{Type: "delay", Unit: "seconds"}}},
			n:    10,
			err:  "no contentions/count and delay/nanoseconds samples",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cp := ContentionProfile{Sites: []ContentionSite{}}
			err := cp.addSites(tt.p, tt.n)
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				assert.Empty(t, cp.Sites)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, cp.Sites)
			assert.Equal(t, tt.omitted, cp.SitesOmitted)
			assert.Equal(t, tt.count, cp.Count)
			assert.Equal(t, tt.delay, cp.Delay)
		})
	}
}

// contendedHolder holds mu for d on each of n rounds, while others wait:
// the function the mutex profile charges the wait to. It holds the lock
// asleep, so that the others run and block on it even with one P.
//
//go:noinline
func contendedHolder(mu *sync.Mutex, n int, d time.Duration) {
	for range n {
		mu.Lock()
		time.Sleep(d)
		mu.Unlock()
	}
}

// contend runs goroutines in contendedHolder until the mutex profile has a
// sample there, and the runtime's mutex wait total, which samples the
// waits it counts, has grown.
func contend(t *testing.T) {
	t.Helper()
	var mu sync.Mutex
	deadline := time.Now().Add(20 * time.Second)
	before := mutexWaitTotal()
	for !mutexProfileHas(t, "sections.contendedHolder") || mutexWaitTotal() == before {
		require.True(t, time.Now().Before(deadline), "no mutex profile sample in contendedHolder, or no growth of the mutex wait total")
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() { contendedHolder(&mu, 20, time.Millisecond) })
		}
		wg.Wait()
	}
}

// mutexWaitTotal returns the runtime's "/sync/mutex/wait/total:seconds".
func mutexWaitTotal() float64 {
	v := readMetrics(threadMetricNames[tMutexWait])[0].Value
	if v.Kind() != metrics.KindFloat64 {
		return 0
	}
	return v.Float64()
}

// mutexProfileHas reports whether the mutex profile has a sample whose
// stack holds a function whose name ends in fn.
func mutexProfileHas(t *testing.T, fn string) bool {
	p, err := readProfile("mutex")
	require.NoError(t, err)
	for _, s := range p.Sample {
		for _, f := range knownFrames(s) {
			if strings.HasSuffix(f.Function, fn) {
				return true
			}
		}
	}
	return false
}

// TestContentionMutexProfile turns the mutex profile on in this process,
// contends on a mutex in a known function, and finds it at the top.
func TestContentionMutexProfile(t *testing.T) {
	old := runtime.SetMutexProfileFraction(1)
	t.Cleanup(func() { runtime.SetMutexProfileFraction(old) })
	contend(t)

	r := collectThreads(t, Threads{MaxThreads: -1})
	c := r.Contention
	assert.True(t, c.Mutex.Enabled)
	assert.Equal(t, 1, c.Mutex.Rate)
	assert.Empty(t, c.Mutex.Enable)
	require.NotEmpty(t, c.Mutex.Sites)
	assert.LessOrEqual(t, len(c.Mutex.Sites), maxContentionSites)
	var top *ContentionSite
	for i, s := range c.Mutex.Sites {
		if strings.HasSuffix(s.Function, "sections.contendedHolder") {
			top = &c.Mutex.Sites[i]
			break
		}
	}
	require.NotNil(t, top, "contendedHolder among the sites: %+v", c.Mutex.Sites)
	assert.Equal(t, "sync.(*Mutex).Unlock", top.Op)
	assert.Positive(t, top.Delay)
	assert.Positive(t, top.Count)
	assert.Equal(t, "threads_contention_test.go", filepath.Base(top.File))
	assert.Positive(t, c.MutexWait, "the runtime counted the waits")
	assert.Positive(t, c.MutexWaitRate)
	assert.Positive(t, c.Uptime)

	var buf bytes.Buffer
	require.NoError(t, r.WriteText(&buf))
	assert.Regexp(t, `\ncontention:\n  mutex_wait = \S+ in \S+ of uptime: [0-9.e+-]+ seconds per second `, buf.String())
	assert.Contains(t, buf.String(), "\n  mutex_profile: on, every event recorded: ")
	assert.Regexp(t, `\n    \S+ +[\d,]+ +github.com/gmr-go/gmr/sections.contendedHolder +threads_contention_test.go:\d+ +sync.\(\*Mutex\).Unlock +`, buf.String())
}

// TestContentionProfilesOff checks a process whose mutex profile is off:
// the report says so and how to turn it on, and still gives the wait rate.
func TestContentionProfilesOff(t *testing.T) {
	if runtime.SetMutexProfileFraction(-1) != 0 {
		t.Skip("the mutex profile is on in this test process")
	}
	r := collectThreads(t, Threads{MaxThreads: -1})
	c := r.Contention
	assert.False(t, c.Mutex.Enabled)
	assert.Zero(t, c.Mutex.Rate)
	assert.Equal(t, enableMutexProfile, c.Mutex.Enable)
	assert.GreaterOrEqual(t, c.MutexWaitRate, 0.0)
	assert.Positive(t, c.Uptime)
	assert.NotNil(t, c.Mutex.Sites)
	assert.NotNil(t, c.Block.Sites)
	if !c.Block.Enabled {
		assert.Equal(t, enableBlockProfile, c.Block.Enable)
	}
	var buf bytes.Buffer
	require.NoError(t, r.WriteText(&buf))
	// Sites recorded while an earlier test had the profile on may remain.
	assert.Regexp(t, `\n  mutex_profile: off(: [^\n]+)?; `+regexp.QuoteMeta(enableMutexProfile)+`\n`, buf.String())

	b, err := json.Marshal(c)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, key := range []string{"mutex_wait_total_ms", "uptime_ms", "mutex_wait_rate", "mutex_profile", "block_profile"} {
		assert.Contains(t, m, key)
	}
	assert.NotContains(t, m["mutex_profile"], "rate", "no rate when off")
}

func TestContentionCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := &ThreadReport{}
	r.addContention(ctx, time.Now())
	assert.Equal(t, "not read: context canceled", r.Contention.Mutex.Note)
	assert.Equal(t, "not read: context canceled", r.Contention.Block.Note)
	assert.NotNil(t, r.Contention.Mutex.Sites)
	assert.Equal(t, enableBlockProfile, r.Contention.Block.Enable, "how to turn it on, though it was not read")
	assert.Positive(t, r.Contention.Uptime)
}

// contendAtDepth runs contendedHolder below depth calls of itself, so that
// each depth is a distinct stack in the mutex profile.
//
//go:noinline
func contendAtDepth(depth int, mu *sync.Mutex) {
	if depth > 0 {
		contendAtDepth(depth-1, mu)
		return
	}
	contendedHolder(mu, 5, 20*time.Microsecond)
}

// BenchmarkContention measures the contention part of the threads
// section: with the profiles as this process has them, and with a mutex
// profile of about 200 distinct contended stacks.
func BenchmarkContention(b *testing.B) {
	run := func(b *testing.B) {
		var r ThreadReport
		for b.Loop() {
			r = ThreadReport{}
			r.addContention(context.Background(), time.Now())
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/report")
		b.ReportMetric(float64(len(r.Contention.Mutex.Sites)+r.Contention.Mutex.SitesOmitted), "sites")
	}
	b.Run("profiles=off", run)
	b.Run("mutex-stacks=200", func(b *testing.B) {
		old := runtime.SetMutexProfileFraction(1)
		b.Cleanup(func() { runtime.SetMutexProfileFraction(old) })
		var mu sync.Mutex
		for depth := range 200 {
			var wg sync.WaitGroup
			for range 3 {
				wg.Go(func() { contendAtDepth(depth, &mu) })
			}
			wg.Wait()
		}
		run(b)
	})
}

func TestContentionWriteText(t *testing.T) {
	tests := []struct {
		name string
		c    Contention
		want string
	}{
		{
			name: "off",
			c: Contention{MutexWait: Millis(1500 * time.Microsecond), Uptime: Millis(2*time.Hour + 3*time.Second + 400*time.Millisecond), MutexWaitRate: 2.0576e-7,
				Mutex: ContentionProfile{Enable: enableMutexProfile}, Block: ContentionProfile{Enable: enableBlockProfile}},
			want: "contention:\n" +
				"  mutex_wait = 1.5ms in 2h0m3s of uptime: 2.058e-07 seconds per second (sync.Mutex, sync.RWMutex and runtime locks)\n" +
				"  mutex_profile: off; " + enableMutexProfile + "\n" +
				"  block_profile: off, or on with nothing recorded yet; " + enableBlockProfile + "\n",
		},
		{
			name: "on, with sites, a note and hostile names",
			c: Contention{MutexWait: Millis(3 * time.Second), Uptime: Millis(1500 * time.Millisecond), MutexWaitRate: 2, Note: "uptime from gmr's start",
				Mutex: ContentionProfile{Enabled: true, Rate: 5, Delay: Millis(2*time.Second + 1234), Count: 1200, SitesOmitted: 3, Sites: []ContentionSite{
					{Function: "main.(*db).get", File: "/src/db.go", Line: 40, Op: "sync.(*Mutex).Unlock", Delay: Millis(2 * time.Second), Count: 1000,
						Callers: []Frame{{Function: "main.handle"}, {Function: "main.serve"}}},
					{Function: "evil\n==== forged ====", Delay: Millis(time.Millisecond), Count: 200, Callers: []Frame{}},
				}},
				Block: ContentionProfile{Enabled: true, Note: "block profile: parse: bad"}},
			want: "contention:\n" +
				"  mutex_wait = 3s in 1.5s of uptime: 2 seconds per second (sync.Mutex, sync.RWMutex and runtime locks)\n" +
				"  note = uptime from gmr's start\n" +
				"  mutex_profile: on, 1 in 5 events recorded: 2s waited in 1,200 contentions, charged to the unlocking call\n" +
				"    DELAY  COUNT  FUNCTION                AT        IN                    CALLED FROM\n" +
				"    2s     1,000  main.(*db).get          db.go:40  sync.(*Mutex).Unlock  main.handle < main.serve\n" +
				"    1ms    200    evil\\n==== forged ====\n" +
				"    ... 3 sites not listed\n" +
				"  block_profile: on: nothing recorded\n" +
				"    note = block profile: parse: bad\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.c.writeText(&buf)
			assert.Equal(t, tt.want, buf.String())
		})
	}
}

// TestWriteContentionSeed rewrites the stored fuzz seed, a real mutex
// profile of contendedHolder, with -update-contention.
func TestWriteContentionSeed(t *testing.T) {
	if !*updateContentionSeed {
		t.Skip("run with -update-contention to rewrite " + contentionSeedDir)
	}
	old := runtime.SetMutexProfileFraction(1)
	t.Cleanup(func() { runtime.SetMutexProfileFraction(old) })
	contend(t)
	var buf bytes.Buffer
	require.NoError(t, pprof.Lookup("mutex").WriteTo(&buf, 0))
	require.NoError(t, os.MkdirAll(contentionSeedDir, 0o755))
	seed := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", buf.Bytes())
	require.NoError(t, os.WriteFile(filepath.Join(contentionSeedDir, "mutex-profile"), []byte(seed), 0o644))
}

func FuzzContentionProfile(f *testing.F) {
	// Seeds beside the stored real profile: a synthetic one, gzipped as
	// the runtime writes it and plain, and this process's block profile.
	var buf bytes.Buffer
	p := contentionProfile(
		contentionSample{[]string{"sync.(*Mutex).Unlock", "main.big", "main.main"}, 5, 2000},
		contentionSample{[]string{"runtime.chanrecv1", "main.small"}, 1, 10},
	)
	require.NoError(f, p.Write(&buf))
	f.Add(bytes.Clone(buf.Bytes()))
	zr, err := gzip.NewReader(&buf)
	require.NoError(f, err)
	plain, err := io.ReadAll(zr)
	require.NoError(f, err)
	f.Add(plain)
	buf.Reset()
	require.NoError(f, pprof.Lookup("block").WriteTo(&buf, 0))
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := profile.Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		cp := ContentionProfile{Sites: []ContentionSite{}}
		if err := cp.addSites(p, 3); err != nil {
			return
		}
		assert.LessOrEqual(t, len(cp.Sites), 3)
		assert.GreaterOrEqual(t, cp.Count, int64(0))
		assert.GreaterOrEqual(t, cp.Delay, Millis(0))
		for i, s := range cp.Sites {
			assert.LessOrEqual(t, len(s.Callers), maxContentionCallers)
			assert.NotNil(t, s.Callers)
			if i > 0 {
				assert.LessOrEqual(t, s.Delay, cp.Sites[i-1].Delay, "longest first")
			}
		}
		var out bytes.Buffer
		cp.writeText(&out, "mutex_profile", "contentions")
		for line := range strings.Lines(out.String()) {
			assert.True(t, strings.HasPrefix(line, "  "), "every line indented: %q", line)
		}
	})
}
