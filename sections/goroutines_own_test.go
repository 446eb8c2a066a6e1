package sections

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/internal/gostack"
)

// ownDump is a dump of a program's goroutine and of gmr's signal listener,
// both blocked for 5 minutes.
func ownDump(t *testing.T) []gostack.Goroutine {
	t.Helper()
	gs, err := gostack.Parse([]byte(`goroutine 7 [select, 5 minutes]:
` + gmrModule + `/gmr.(*Reporter).listen.func1()
	/src/gmr/setup.go:117 +0x25
sync.(*WaitGroup).Go.func1()
	/go/src/sync/waitgroup.go:258 +0x4a
created by sync.(*WaitGroup).Go in goroutine 1
	/go/src/sync/waitgroup.go:238 +0x73

goroutine 9 [chan receive, 5 minutes]:
main.worker()
	/src/main.go:10 +0x1d
created by main.main in goroutine 1
	/src/main.go:5 +0x2f
`))
	require.NoError(t, err)
	return gs
}

// TestSummarizeOwn keeps gmr's own goroutines out of the groups and of the
// waiting-long summary, and in Own, one line in text.
func TestSummarizeOwn(t *testing.T) {
	gs := ownDump(t)
	lim := Goroutines{}.limits()
	rep := summarize(dumpProfile(gs), &stackDump{goroutines: gs, total: 2}, leakInput{}, lim)
	assert.Equal(t, 2, rep.Total)
	assert.Equal(t, 1, rep.GroupCount)
	require.Len(t, rep.Groups, 1)
	assert.Equal(t, "main.worker", rep.Groups[0].Where)
	assert.Equal(t, 1, rep.Own.Goroutines)
	assert.Equal(t, 1, rep.Own.GroupCount)
	require.Len(t, rep.Own.Groups, 1)
	own := rep.Own.Groups[0]
	assert.Equal(t, "gmr.(*Reporter).listen.func1", own.Where)
	assert.Equal(t, "select", own.State)
	assert.Equal(t, &GoroutineOrigin{Entry: gmrModule + "/gmr.(*Reporter).listen.func1", CreatedIn: gmrModule + "/gmr.(*Reporter).listen", Via: "sync.(*WaitGroup).Go"}, own.Origin)
	require.NotNil(t, own.Detail)
	assert.Equal(t, []GoroutineCreator{{Frame: Frame{Function: gmrModule + "/gmr.(*Reporter).listen"}, Via: "sync.(*WaitGroup).Go", Goroutine: 1, Count: 1}}, own.Detail.CreatedBy)

	w := rep.WaitingLong
	assert.Equal(t, 1, w.Goroutines, "the program's goroutine waits long, gmr's listener is not counted")
	require.Len(t, w.Places, 1)
	assert.Equal(t, "main.worker", w.Places[0].Frame.Function)

	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "\ngmr's own goroutines: 1 in 1 group, not listed here (the JSON report lists them)\n\n1 goroutine\n  state: chan receive (longest 5 minutes)\n")
	assert.NotContains(t, text.String(), "listen")
	js, err := json.Marshal(rep)
	require.NoError(t, err)
	assert.Contains(t, string(js), `"own":{"goroutines":1,"group_count":1,"groups":[{"count":1,"state":"select","state_source":"dump",`)
}

// TestSummarizeNoGC says, when no GC has run, that no wait is known,
// instead of "none".
func TestSummarizeNoGC(t *testing.T) {
	gs := ownDump(t)
	for i := range gs {
		gs[i].WaitMinutes = 0 // no GC: no wait stamped
	}
	d := &stackDump{goroutines: gs, total: 2, noGC: true}
	rep := summarize(dumpProfile(gs), d, leakInput{}, Goroutines{}.limits())
	assert.True(t, rep.WaitingLong.NoGC)
	assert.Equal(t, noGCNote, rep.WaitingLong.Note)
	assert.Zero(t, rep.WaitingLong.Goroutines)
	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "\nwaiting long (blocked 1 minute or more on a channel, lock, WaitGroup, Cond or select): "+noGCNote+"\n")
	assert.NotContains(t, text.String(), ": none\n")

	// Listing every blocked goroutine (LongWait < 0) lists them, and
	// says why none has a wait.
	lim := Goroutines{LongWait: -1}.limits()
	rep = summarize(dumpProfile(gs), d, leakInput{}, lim)
	assert.Equal(t, 1, rep.WaitingLong.Goroutines)
	text.Reset()
	require.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "\nwaiting long (blocked at all on a channel, lock, WaitGroup, Cond or select): 1 goroutine in 1 place\n  "+noGCNote+"\n")

	// A dump taken in this test process: a GC may have run or not, and
	// the dump says which.
	cycles, known := gcCycles()
	require.True(t, known)
	assert.Equal(t, cycles == 0, takeStackDump(10).noGC)
}
