package sections

import (
	"reflect"
	"strings"
)

// GoroutineOrigin says where a group's goroutines were started, as far as
// their stack tells: its outermost frames are the function a go statement
// started, and, for a go statement in a wrapper such as
// sync.(*WaitGroup).Go, the wrapper's closure and then the function it was
// given.
type GoroutineOrigin struct {
	// Entry is the goroutines' outermost function of their own: the one
	// the go statement started, or past a wrapper's closure, the function
	// the wrapper was given ("main.main.func2").
	Entry string `json:"entry"`
	// CreatedIn is the function whose code started them, when the
	// entry's name tells: the function a closure is defined in
	// ("main.main" for "main.main.func2"). Empty for a named function.
	CreatedIn string `json:"created_in,omitempty"`
	// Via is the wrapper whose go statement started them on CreatedIn's
	// behalf, such as "sync.(*WaitGroup).Go": a function whose own closure
	// is the goroutines' outermost frame and calls the function it was
	// given.
	Via string `json:"via,omitempty"`
}

// goWrappers are functions known to start a goroutine for the function
// they are given, whatever that function is: their closure is not the
// goroutine's own code.
var goWrappers = map[string]bool{
	"sync.(*WaitGroup).Go":                             true,
	"golang.org/x/sync/errgroup.(*Group).Go":           true,
	"golang.org/x/sync/errgroup.(*Group).TryGo":        true,
	"github.com/sourcegraph/conc.(*WaitGroup).Go":      true,
	"github.com/sourcegraph/conc/pool.(*Pool).Go":      true,
	"github.com/sourcegraph/conc/pool.(*ErrorPool).Go": true,
}

// callWrappers are functions that call a function they are given, which
// a go statement may start directly (go pprof.Do(ctx, labels, f)): the
// goroutine's own code is that function.
var callWrappers = map[string]bool{
	"runtime/pprof.Do": true,
}

// stackOrigin returns where the goroutines with frames (innermost call
// first) were started. Their outermost frame X0, past runtime.goexit, is
// the function the go statement started:
//
//   - X0 a closure of a wrapper W (goWrappers), or of any function W whose
//     closure calls a closure of another function G: they were started by
//     W on behalf of the next frame X1, in G (sync.(*WaitGroup).Go.func1 <
//     main.main.func2: main.main via sync.(*WaitGroup).Go);
//   - X0 a closure or a go statement's wrapper (gowrap) of F: started in F;
//   - X0 a function that calls the function it is given (callWrappers,
//     such as runtime/pprof.Do): as if the go statement had started X1;
//   - X0 a named function: the stack does not say by whom.
func stackOrigin(frames []Frame) GoroutineOrigin {
	n := len(frames)
	if n > 0 && frames[n-1].Function == "runtime.goexit" {
		n--
	}
	if n == 0 {
		return GoroutineOrigin{}
	}
	x0 := frames[n-1].Function
	if callWrappers[x0] && n > 1 {
		n--
		x0 = frames[n-1].Function
	}
	p0, wrap0 := closureParent(x0)
	if n > 1 && p0 != "" {
		x1 := frames[n-2].Function
		p1, _ := closureParent(x1)
		nested := p1 == x0 || strings.HasPrefix(p1, x0+".")
		if goWrappers[p0] || p1 != "" && p1 != p0 && !nested {
			return GoroutineOrigin{Entry: x1, CreatedIn: p1, Via: p0}
		}
		if wrap0 {
			// A go statement's wrapper calls the function it started.
			return GoroutineOrigin{Entry: x1, CreatedIn: p0}
		}
	}
	return GoroutineOrigin{Entry: x0, CreatedIn: p0}
}

// closureParent returns the function a closure is defined in: "main.main"
// for "main.main.func2" and "main.main.func2.1" alike ("main.main.func2"
// for a closure nested in it is not kept apart), and for a go statement's
// wrapper "main.main.gowrap1", with wrapper set. It returns "" for any
// other function, and for a closure of a package-level variable
// ("pkg.glob..func1").
func closureParent(fn string) (parent string, wrapper bool) {
	start := strings.LastIndexByte(pathPart(fn), '/') + 1
	name := fn[start:]
	for i := 0; i < len(name); i++ {
		if name[i] != '.' {
			continue
		}
		rest := name[i+1:]
		var suffix string
		switch {
		case strings.HasPrefix(rest, "func"):
			suffix = rest[len("func"):]
		case strings.HasPrefix(rest, "gowrap"):
			suffix, wrapper = rest[len("gowrap"):], true
		default:
			continue
		}
		if suffix == "" || suffix[0] < '0' || suffix[0] > '9' {
			wrapper = false
			continue
		}
		parent = fn[:start+i]
		if strings.HasSuffix(parent, ".glob.") || !strings.Contains(parent[start:], ".") {
			return "", false
		}
		return parent, wrapper
	}
	return "", false
}

// pathPart returns fn up to its type parameters, where a '/' may be part
// of a type's import path.
func pathPart(fn string) string {
	if i := strings.IndexByte(fn, '['); i >= 0 {
		return fn[:i]
	}
	return fn
}

// gmrModule is the import path of gmr's module ("github.com/gmr-go/gmr"),
// taken from this package's.
var gmrModule = strings.TrimSuffix(reflect.TypeFor[Goroutines]().PkgPath(), "/sections")

// ownLabel is the pprof label gmr's Reporter gives each section's
// goroutine.
const ownLabel = "gmr_section"

// isOwnGroup reports whether a group's goroutines are gmr's own: they
// started in gmr's code, and are in gmr's code still. They started in it
// when their entry function (see GoroutineOrigin) is in one of gmr's
// packages outside a _test.go file, or when every one of them has the
// gmr_section label that the Reporter gives the goroutine of each section it
// collects (and that goroutines a section starts inherit). They are in it
// still when the innermost frame outside the standard library is gmr's, or
// there is none: a section of the program's own that hangs runs the
// program's code, and is the program's to see.
func isOwnGroup(frames []Frame, labels *labelAcc, count int) bool {
	started := false
	if labels != nil {
		if ka := labels.keys[ownLabel]; ka != nil && ka.goroutines >= count {
			started = true
		}
	}
	if !started {
		o := stackOrigin(frames)
		for i := len(frames) - 1; i >= 0 && o.Entry != ""; i-- {
			if frames[i].Function == o.Entry {
				started = inGmr(frames[i])
				break
			}
		}
	}
	if !started {
		return false
	}
	for _, f := range frames {
		if !isStdlib(funcPackage(f.Function)) {
			return inGmr(f)
		}
	}
	return true
}

// inGmr reports whether f is a call in one of gmr's packages, outside a
// _test.go file: package gmr's own tests are the program's, for gmr.
func inGmr(f Frame) bool {
	return strings.HasPrefix(funcPackage(f.Function), gmrModule+"/") && !strings.HasSuffix(f.File, "_test.go")
}
