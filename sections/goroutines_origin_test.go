package sections

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gmr-go/gmr/internal/gostack"
)

func TestClosureParent(t *testing.T) {
	for _, tt := range []struct {
		fn, parent string
		wrapper    bool
	}{
		{"main.main.func2", "main.main", false},
		{"main.main.func2.1", "main.main", false},
		{"main.main.gowrap1", "main.main", true},
		{"main.(*S).run.func1", "main.(*S).run", false},
		{"github.com/a/b.(*Group).Go.func1", "github.com/a/b.(*Group).Go", false},
		{"golang.org/x/sync/errgroup.(*Group).Go.func1", "golang.org/x/sync/errgroup.(*Group).Go", false},
		{"example.com/m.F[go.shape.*example.com/n/func.T].func1", "example.com/m.F[go.shape.*example.com/n/func.T]", false},
		{"main.glob..func1", "", false},
		{"main.worker", "", false},
		{"main.functional", "", false},
		{"main.(*S).work-fm", "", false},
		{"main.func1", "", false},
		{"", "", false},
	} {
		parent, wrapper := closureParent(tt.fn)
		assert.Equal(t, tt.parent, parent, tt.fn)
		assert.Equal(t, tt.wrapper, wrapper, tt.fn)
	}
}

func TestStackOrigin(t *testing.T) {
	for _, tt := range []struct {
		name  string
		stack string // innermost first
		want  GoroutineOrigin
	}{
		{"a closure", "runtime.gopark main.work main.main.func1 runtime.goexit",
			GoroutineOrigin{Entry: "main.main.func1", CreatedIn: "main.main"}},
		{"a named function", "runtime.gopark main.worker", GoroutineOrigin{Entry: "main.worker"}},
		{"sync.(*WaitGroup).Go", "runtime.gopark main.groupWorker main.main.func2 sync.(*WaitGroup).Go.func1",
			GoroutineOrigin{Entry: "main.main.func2", CreatedIn: "main.main", Via: "sync.(*WaitGroup).Go"}},
		{"sync.(*WaitGroup).Go with a method value", "runtime.gopark main.(*S).work main.(*S).work-fm sync.(*WaitGroup).Go.func1",
			GoroutineOrigin{Entry: "main.(*S).work-fm", Via: "sync.(*WaitGroup).Go"}},
		{"errgroup", "runtime.gopark main.fetch main.run.func3 golang.org/x/sync/errgroup.(*Group).Go.func1",
			GoroutineOrigin{Entry: "main.run.func3", CreatedIn: "main.run", Via: "golang.org/x/sync/errgroup.(*Group).Go"}},
		{"a helper that starts a func", "runtime.gopark main.serve.func2 pkg.spawn.func1",
			GoroutineOrigin{Entry: "main.serve.func2", CreatedIn: "main.serve", Via: "pkg.spawn"}},
		{"a closure calling a nested closure", "runtime.gopark main.main.func1.1 main.main.func1",
			GoroutineOrigin{Entry: "main.main.func1", CreatedIn: "main.main"}},
		{"a go statement's wrapper", "runtime.gopark main.worker main.main.gowrap1",
			GoroutineOrigin{Entry: "main.worker", CreatedIn: "main.main"}},
		{"go pprof.Do", "runtime.gopark main.work main.serve.func1 runtime/pprof.Do",
			GoroutineOrigin{Entry: "main.serve.func1", CreatedIn: "main.serve"}},
		{"no frames", "", GoroutineOrigin{}},
	} {
		var fns []string
		if tt.stack != "" {
			fns = strings.Split(tt.stack, " ")
		}
		assert.Equal(t, tt.want, stackOrigin(frames(fns...)), tt.name)
	}
}

func TestCreatorOf(t *testing.T) {
	gframes := func(fns ...string) []gostack.Frame {
		out := make([]gostack.Frame, len(fns))
		for i, fn := range fns {
			out[i] = gostack.Frame{Function: fn, File: "/src/x.go", Line: 7}
		}
		return out
	}
	at := func(fn string) gostack.Frame { return gostack.Frame{Function: fn, File: "/src/main.go", Line: 30} }
	for _, tt := range []struct {
		name    string
		created gostack.Frame
		frames  []gostack.Frame
		want    creatorKey
	}{
		{"a go statement", at("main.main"), gframes("main.worker"),
			creatorKey{frame: Frame{Function: "main.main", File: "/src/main.go", Line: 30}}},
		{"a closure of the go statement's function", at("main.main"), gframes("main.work", "main.main.func1"),
			creatorKey{frame: Frame{Function: "main.main", File: "/src/main.go", Line: 30}}},
		{"a go statement in a closure", at("main.main.func1"), gframes("main.main.func1.1"),
			creatorKey{frame: Frame{Function: "main.main.func1", File: "/src/main.go", Line: 30}}},
		{"sync.(*WaitGroup).Go", at("sync.(*WaitGroup).Go"), gframes("main.groupWorker", "main.main.func2", "sync.(*WaitGroup).Go.func1"),
			creatorKey{frame: Frame{Function: "main.main"}, via: "sync.(*WaitGroup).Go"}},
		{"sync.(*WaitGroup).Go with a named function", at("sync.(*WaitGroup).Go"), gframes("main.worker", "sync.(*WaitGroup).Go.func1"),
			creatorKey{frame: Frame{Function: "sync.(*WaitGroup).Go", File: "/src/main.go", Line: 30}}},
		{"a helper's go f()", at("main.spawn"), gframes("main.main.func3"),
			creatorKey{frame: Frame{Function: "main.main"}, via: "main.spawn"}},
		{"a helper's go func() { f() }()", at("main.spawn"), gframes("main.main.func3", "main.spawn.func1"),
			creatorKey{frame: Frame{Function: "main.main"}, via: "main.spawn"}},
	} {
		assert.Equal(t, tt.want, creatorOf(tt.created, tt.frames), tt.name)
	}
}

func TestIsOwnGroup(t *testing.T) {
	gmr := gmrModule + "/gmr."
	file := func(fs []Frame, name string) []Frame {
		for i := range fs {
			fs[i].File = "/src/" + name
		}
		return fs
	}
	labelled := func(k, v string, n int) *labelAcc {
		a := newLabelAcc()
		a.keys[k] = &keyAcc{goroutines: n, values: map[string]int{v: n}}
		return a
	}
	for _, tt := range []struct {
		name   string
		frames []Frame
		labels *labelAcc
		count  int
		own    bool
	}{
		{"the signal listener", file(frames("runtime.gopark", "runtime.selectgo", gmr+"(*Reporter).listen.func1", "sync.(*WaitGroup).Go.func1"), "setup.go"), nil, 1, true},
		{"a section's goroutine", file(frames("runtime.goroutineProfileWithLabels", gmrModule+"/sections.readProfile", gmr+"(*Reporter).start.func1"), "reporter.go"),
			labelled(ownLabel, "goroutines", 1), 1, true},
		{"a hung section of the program's", file(frames("runtime.gopark", "runtime.block", "main.main.func1", gmrModule+"/gmr/report.Run", gmr+"(*Reporter).start.func1"), "reporter.go"),
			labelled(ownLabel, "hung", 1), 1, false},
		{"goroutines a built-in section started", file(frames("runtime.gopark", gmrModule+"/sections.worker"), "x.go"), labelled(ownLabel, "threads", 2), 2, true},
		{"some with the label only", file(frames("runtime.gopark", "main.worker"), "x.go"), labelled(ownLabel, "x", 1), 2, false},
		{"package gmr's tests", file(frames("runtime.gopark", gmr+"TestX.func1"), "x_test.go"), nil, 1, false},
		{"package gmr_test's tests", file(frames("runtime.gopark", gmrModule+"/gmr_test.TestX.func1"), "x_test.go"), nil, 1, false},
		{"the program's", file(frames("runtime.gopark", "main.worker"), "main.go"), nil, 1, false},
		{"no frames", nil, nil, 1, false},
	} {
		assert.Equal(t, tt.own, isOwnGroup(tt.frames, tt.labels, tt.count), tt.name)
	}
}
