package sections

import (
	"bytes"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// leakedForGoroutinesTest blocks forever on a channel no other goroutine
// can reach: the leak detector's prey.
//
//go:noinline
func leakedForGoroutinesTest() {
	<-make(chan struct{})
}

// TestGoroutineLeaks tests the leak profile's part as this test binary was
// built: run it both ways,
//
//	go test ./sections -run Leaks
//	GOEXPERIMENT=goroutineleakprofile go test ./sections -run Leaks
func TestGoroutineLeaks(t *testing.T) {
	var text bytes.Buffer
	if pprof.Lookup("goroutineleak") == nil {
		rep := collectGoroutines(t, Goroutines{LeakProfile: true})
		assert.False(t, rep.Leaks.Available)
		assert.Empty(t, rep.Leaks.Groups)
		require.NoError(t, rep.WriteText(&text))
		assert.Contains(t, text.String(), "\n\nleaked goroutines: not available: the runtime offers no goroutineleak profile"+
			" (Go 1.27 does; Go 1.26 when built with GOEXPERIMENT=goroutineleakprofile)\n\n")
		return
	}

	for range 3 {
		go leakedForGoroutinesTest()
	}
	const fn = testPkg + "leakedForGoroutinesTest"
	var rep *GoroutineReport
	deadline := time.Now().Add(10 * time.Second)
	for {
		rep = collectGoroutines(t, Goroutines{LeakProfile: true})
		if g := groupIn(&GoroutineReport{Groups: rep.Leaks.Groups}, fn); g != nil && g.Count == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no group of 3 in %s among the leaks: %+v", fn, rep.Leaks)
		}
		time.Sleep(10 * time.Millisecond)
	}
	assert.True(t, rep.Leaks.Available)
	assert.Empty(t, rep.Leaks.Note)
	assert.GreaterOrEqual(t, rep.Leaks.Total, 3)
	// The dump, taken after the leak detector ran, shows them as leaked.
	g := groupIn(rep, fn)
	require.NotNil(t, g)
	require.NotNil(t, g.Detail)
	assert.Equal(t, []GoroutineState{{State: "chan receive (leaked)", Count: 3}}, g.Detail.States)

	leaked := groupIn(&GoroutineReport{Groups: rep.Leaks.Groups}, fn)
	require.NotNil(t, leaked.Detail, "the leaked group has the dump's detail")
	assert.Equal(t, g.Detail.IDs, leaked.Detail.IDs)

	require.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "\n\nleaked goroutines (goroutineleak profile): ")
	assert.Contains(t, text.String(), "\n\n  3 goroutines\n  ")
	assert.Contains(t, text.String(), "\n  state: chan receive (leaked)\n")
}

func TestGoroutineLeaksOffByDefault(t *testing.T) {
	rep := collectGoroutines(t, Goroutines{})
	assert.Equal(t, GoroutineLeaks{Note: leakProfileOff, Groups: []GoroutineGroup{}}, rep.Leaks)
	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	assert.NotContains(t, text.String(), "leaked goroutines", "not asked for: no line in text, the JSON keeps the note")
}
