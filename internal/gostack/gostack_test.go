package gostack

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dumpDir holds real dumps written by testdata/goroutines/gendump.
var dumpDir = filepath.Join("..", "..", "testdata", "goroutines")

func readDump(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dumpDir, name))
	require.NoError(t, err)
	return b
}

func parseDump(t testing.TB, name string) map[int64]Goroutine {
	t.Helper()
	gs, err := Parse(readDump(t, name))
	require.NoError(t, err)
	m := make(map[int64]Goroutine, len(gs))
	for _, g := range gs {
		require.NotContains(t, m, g.ID, "duplicate goroutine id")
		m[g.ID] = g
	}
	return m
}

// byState returns the goroutines of m in state, in id order.
func byState(m map[int64]Goroutine, state string) []Goroutine {
	var out []Goroutine
	for _, g := range m {
		if g.State == state {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b Goroutine) int { return int(a.ID - b.ID) })
	return out
}

func functions(g Goroutine) []string {
	var fns []string
	for _, f := range g.Frames {
		fns = append(fns, f.Function)
	}
	return fns
}

const genFile = "/work/main/testdata/goroutines/gendump/main.go"

func TestParseWaits(t *testing.T) {
	m := parseDump(t, "waits.txt")
	require.Len(t, m, 19)

	main := m[1]
	assert.Equal(t, "running", main.State)
	assert.Equal(t, []string{"main.main"}, functions(main))
	assert.Nil(t, main.CreatedBy)
	assert.Zero(t, main.WaitMinutes)

	for _, g := range m {
		if g.ID == 1 {
			continue
		}
		assert.Equal(t, 2, g.WaitMinutes, "goroutine %d [%s]", g.ID, g.State)
		require.NotNil(t, g.CreatedBy, "goroutine %d", g.ID)
		assert.Equal(t, int64(1), g.CreatorID)
		assert.Equal(t, genFile, g.CreatedBy.File)
		assert.Positive(t, g.CreatedBy.Line)
		assert.False(t, g.Leaked)
	}

	mutex := byState(m, "sync.Mutex.Lock")
	require.Len(t, mutex, 2)
	assert.Equal(t, []string{
		"internal/sync.runtime_SemacquireMutex",
		"internal/sync.(*Mutex).lockSlow",
		"internal/sync.(*Mutex).Lock",
		"sync.(*Mutex).Lock",
		"main.(*store).get",
		"main.main.func7",
	}, functions(mutex[0]))
	assert.Equal(t, Frame{Function: "internal/sync.runtime_SemacquireMutex", File: "/usr/local/go/src/runtime/sema.go", Line: 95}, mutex[0].Frames[0])
	assert.Equal(t, Frame{Function: "sync.(*Mutex).Lock", File: "/usr/local/go/src/sync/mutex.go", Line: 46}, mutex[0].Frames[3], "an inlined frame: (...) and no PC offset")
	assert.Equal(t, "main.main", mutex[0].CreatedBy.Function, "a direct go statement")
	assert.Equal(t, mutex[0].Frames, mutex[1].Frames)
	assert.Equal(t, unsafe.StringData(mutex[0].Frames[4].File), unsafe.StringData(mutex[1].Frames[4].File),
		"equal strings are shared")

	for _, state := range []string{
		"chan send", "chan receive (nil chan)", "select", "select (no cases)",
		"sync.RWMutex.RLock", "sync.WaitGroup.Wait", "sync.Cond.Wait", "sleep", "IO wait",
	} {
		assert.Len(t, byState(m, state), 1, state)
	}

	recv := byState(m, "chan receive")
	require.Len(t, recv, 7)
	var locked, generic, deep int
	for _, g := range recv {
		if g.LockedToThread {
			locked++
		}
		if slices.Contains(functions(g), "main.consume[...]") {
			generic++
		}
		if g.Elided != 0 {
			deep++
			assert.Equal(t, 23, g.Elided)
			assert.Len(t, g.Frames, 100, "50 innermost and 50 outermost frames")
			assert.Equal(t, "main.recurse", g.Frames[0].Function)
			assert.Equal(t, "main.main.func1.1", g.Frames[99].Function)
		}
	}
	assert.Equal(t, []int{1, 1, 1}, []int{locked, generic, deep}, "locked, generic, deep")
}

func TestParseLabels(t *testing.T) {
	m := parseDump(t, "labels.txt")
	var labelled []Goroutine
	for _, g := range m {
		if g.Labels != nil {
			labelled = append(labelled, g)
		}
	}
	require.Len(t, labelled, 1)
	g := labelled[0]
	assert.Equal(t, map[string]string{"tenant": "x", "worker": `a "quoted", value]`}, g.Labels)
	assert.Equal(t, "chan receive", g.State)
	assert.Zero(t, g.WaitMinutes)
}

func TestParseSIGQUIT(t *testing.T) {
	m := parseDump(t, "sigquit.txt")
	g0, ok := m[0]
	require.True(t, ok, "the crash dump's goroutine 0")
	assert.Equal(t, "idle", g0.State)
	assert.Equal(t, Frame{Function: "runtime.futex", File: "/usr/local/go/src/runtime/sys_linux_amd64.s", Line: 569}, g0.Frames[0],
		"fp= sp= pc= dropped")
	// System goroutines are in a crash dump, with the runtime's frames.
	sweep := byState(m, "GC sweep wait")
	require.Len(t, sweep, 1)
	assert.Equal(t, "runtime.gopark", sweep[0].Frames[0].Function)
	assert.Equal(t, "runtime.gcenable", sweep[0].CreatedBy.Function)
	mutex := byState(m, "sync.Mutex.Lock")
	require.Len(t, mutex, 2)
	assert.Equal(t, "runtime.gopark", mutex[0].Frames[0].Function)
}

func TestParseLeaked(t *testing.T) {
	m := parseDump(t, "leaked.txt")
	var leaked []string
	for _, g := range m {
		if g.Leaked {
			leaked = append(leaked, g.State)
		}
	}
	slices.Sort(leaked)
	assert.Contains(t, leaked, "chan send")
	assert.Contains(t, leaked, "sync.Mutex.Lock")
	assert.Contains(t, leaked, "chan receive (nil chan)")
	for _, s := range leaked {
		assert.NotContains(t, s, "leaked")
	}
	assert.Len(t, byState(m, "sleep"), 1)
	assert.False(t, byState(m, "sleep")[0].Leaked, "a sleeping goroutine is not leaked")
}

func TestParseCanned(t *testing.T) {
	tests := []struct {
		name string
		dump string
		want []Goroutine
		err  string
	}{
		{
			name: "wait minutes and flags",
			dump: "goroutine 7 [semacquire, 12 minutes, locked to thread]:\n" +
				"sync.runtime_Semacquire(0xc000012345?)\n\t/usr/local/go/src/runtime/sema.go:71 +0x25\n" +
				"main.stuck()\n\t/src/main.go:10 +0x1d\n" +
				"created by main.main in goroutine 1\n\t/src/main.go:5 +0x2f\n",
			want: []Goroutine{{
				ID: 7, State: "semacquire", WaitMinutes: 12, LockedToThread: true,
				Frames: []Frame{
					{Function: "sync.runtime_Semacquire", File: "/usr/local/go/src/runtime/sema.go", Line: 71},
					{Function: "main.stuck", File: "/src/main.go", Line: 10},
				},
				CreatedBy: &Frame{Function: "main.main", File: "/src/main.go", Line: 5},
				CreatorID: 1,
			}},
		},
		{
			name: "scan, leaked, durable, bubble and an unknown detail",
			dump: "goroutine 9 [chan receive (durable) (leaked) (scan), 3 minutes, synctest bubble 4, a future detail]:\n" +
				"main.f(...)\n\t/src/a.go:1\n",
			want: []Goroutine{{
				ID: 9, State: "chan receive (durable)", WaitMinutes: 3, Leaked: true, Bubble: 4,
				Frames: []Frame{{Function: "main.f", File: "/src/a.go", Line: 1}},
			}},
		},
		{
			name: "several goroutines, CRLF, before Go 1.21's creator ids",
			dump: "goroutine 1 [running]:\r\nmain.main()\r\n\t/src/a.go:3 +0x1\r\n\r\n" +
				"goroutine 2 [select]:\r\nmain.g()\r\n\t/src/a.go:8 +0x1\r\ncreated by main.main\r\n\t/src/a.go:4 +0x2\r\n",
			want: []Goroutine{
				{ID: 1, State: "running", Frames: []Frame{{Function: "main.main", File: "/src/a.go", Line: 3}}},
				{ID: 2, State: "select", Frames: []Frame{{Function: "main.g", File: "/src/a.go", Line: 8}},
					CreatedBy: &Frame{Function: "main.main", File: "/src/a.go", Line: 4}},
			},
		},
		{
			name: "running elsewhere, old elision, ancestors",
			dump: "goroutine 3 [running]:\n\tgoroutine running on other thread; stack unavailable\n" +
				"created by main.main in goroutine 1\n\t/src/a.go:4 +0x2\n\n" +
				"goroutine 4 [chan send]:\nmain.h()\n\t/src/a.go:9\n...additional frames elided...\n" +
				"[originating from goroutine 2]:\nmain.g(...)\n\t/src/a.go:8 +0x1\ncreated by main.main\n\t/src/a.go:4\n",
			want: []Goroutine{
				{ID: 3, State: "running", Unavailable: true,
					CreatedBy: &Frame{Function: "main.main", File: "/src/a.go", Line: 4}, CreatorID: 1},
				{ID: 4, State: "chan send", Elided: -1, Frames: []Frame{{Function: "main.h", File: "/src/a.go", Line: 9}}},
			},
		},
		{
			name: "windows path, spaces, odd names",
			dump: "goroutine 5 [IO wait]:\n" +
				"example.com/a%2eb/pkg.(*T[...]).M-fm({0x1, 0x2})\n\tC:/Program Files/src/a b.go:12 +0xab\n",
			want: []Goroutine{{ID: 5, State: "IO wait", Frames: []Frame{
				{Function: "example.com/a%2eb/pkg.(*T[...]).M-fm", File: "C:/Program Files/src/a b.go", Line: 12},
			}}},
		},
		{
			name: "truncated in a frame",
			dump: "goroutine 6 [sleep]:\ntime.Sleep(0x3b9aca00)\n\t/usr/local/go/src/runtime/time.go:363 +0x165\nmain.sl",
			want: []Goroutine{{ID: 6, State: "sleep", Frames: []Frame{
				{Function: "time.Sleep", File: "/usr/local/go/src/runtime/time.go", Line: 363},
			}}},
			err: `gostack: 1 lines not understood, the first at line 4: "main.sl"`,
		},
		{
			name: "garbage inside and outside blocks",
			dump: "panic: boom\n\ngoroutine 8 [chan receive]:\nnot a frame\n\tno line number\nmain.k()\n\t/src/a.go:x\n" +
				"goroutine x [y]:\ngoroutine 10 [bad, zz minutes]:\ngoroutine 11 [ok labels:{\"a\"}]:\n",
			want: []Goroutine{{ID: 8, State: "chan receive"}},
			err:  `gostack: 6 lines not understood, the first at line 4: "not a frame"`,
		},
		{
			name: "empty",
			dump: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.dump))
			if tt.err == "" {
				assert.NoError(t, err)
			} else {
				assert.EqualError(t, err, tt.err)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestFormatRoundTrip checks that Format writes what Parse reads.
func TestFormatRoundTrip(t *testing.T) {
	for _, name := range dumpFiles(t) {
		t.Run(name, func(t *testing.T) {
			gs, err := Parse(readDump(t, name))
			require.NoError(t, err)
			again, err := Parse(Format(gs))
			require.NoError(t, err)
			assert.Equal(t, gs, again)
		})
	}
}

func dumpFiles(t testing.TB) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dumpDir, "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}

func FuzzParse(f *testing.F) {
	for _, name := range dumpFiles(f) {
		dump := readDump(f, name)
		f.Add(dump)
		// And its first goroutines, which mutate faster.
		if i := bytes.Index(dump, []byte("\n\ngoroutine ")); i >= 0 {
			if j := bytes.Index(dump[i+2:], []byte("\n\ngoroutine ")); j >= 0 {
				f.Add(dump[:i+2+j])
			}
		}
	}
	f.Fuzz(func(t *testing.T, dump []byte) {
		gs, err := Parse(dump)
		if err != nil {
			require.IsType(t, (*Error)(nil), err)
			e := err.(*Error)
			require.Positive(t, e.Lines)
			require.Positive(t, e.First)
		}
		if len(gs) > bytes.Count(dump, []byte("goroutine ")) {
			t.Fatalf("%d goroutines from %d headers", len(gs), bytes.Count(dump, []byte("goroutine ")))
		}
		for _, g := range gs {
			require.GreaterOrEqual(t, g.ID, int64(0))
			require.NotEmpty(t, g.State)
			require.NotContains(t, g.State, "\n")
			require.GreaterOrEqual(t, g.WaitMinutes, 0)
			for _, fr := range g.Frames {
				require.NotEmpty(t, fr.Function)
				require.GreaterOrEqual(t, fr.Line, 0)
				require.False(t, strings.ContainsAny(fr.Function+fr.File, "\n"))
			}
		}
		again, err := Parse(Format(gs))
		require.NoError(t, err, "Format's output:\n%s", Format(gs))
		require.Equal(t, gs, again, "round trip")
	})
}

// BenchmarkParse parses a dump of 1,000 goroutines, each 20 calls deep.
func BenchmarkParse(b *testing.B) {
	var g Goroutine
	g.State, g.WaitMinutes = "chan receive", 3
	for i := range 20 {
		g.Frames = append(g.Frames, Frame{Function: "example.com/service/pkg.(*Server).handle" + strings.Repeat("x", i%3), File: "/src/example.com/service/pkg/server.go", Line: 100 + i})
	}
	g.CreatedBy = &Frame{Function: "example.com/service/pkg.(*Server).Serve", File: "/src/example.com/service/pkg/server.go", Line: 42}
	gs := make([]Goroutine, 1000)
	for i := range gs {
		gs[i] = g
		gs[i].ID = int64(i + 1)
	}
	dump := Format(gs)
	b.SetBytes(int64(len(dump)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(dump); err != nil {
			b.Fatal(err)
		}
	}
}
