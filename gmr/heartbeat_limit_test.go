package gmr_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/gmr"
)

type stamped struct {
	at      time.Time
	trigger string
}

// flappingReporter returns a Reporter whose reports' triggers, with their
// times, arrive on the returned channel, and a heartbeat of 5 ms beaten
// every 6 ms, so that every round is a miss, until the test ends.
func flappingReporter(t *testing.T, stderr io.Writer, opts ...gmr.Option) <-chan stamped {
	t.Helper()
	got := make(chan stamped, 4096)
	opts = append(opts, gmr.WithDir(t.TempDir()), gmr.WithStderr(stderr), gmr.WithOnlySections(), gmr.WithOnReport(func(loc string, err error) {
		if err != nil {
			return
		}
		select {
		case got <- stamped{time.Now(), trigger(t, loc)}:
		default:
		}
	}))
	r, err := gmr.New(opts...)
	require.NoError(t, err)
	t.Cleanup(r.Stop)
	hb := r.Heartbeat("flappy", 5*time.Millisecond)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(6 * time.Millisecond): // the loop's round: the workload, not a wait
				hb.Beat()
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done; hb.Stop() })
	return got
}

func TestHeartbeatReportsKeepTheMinInterval(t *testing.T) {
	got := flappingReporter(t, io.Discard, gmr.WithMinInterval(300*time.Millisecond))
	var reps []stamped
	for len(reps) < 3 {
		select {
		case s := <-got:
			reps = append(reps, s)
		case <-time.After(10 * time.Second):
			t.Fatalf("%d heartbeat reports after 10s", len(reps))
		}
	}
	for i := 1; i < len(reps); i++ {
		assert.GreaterOrEqual(t, reps[i].at.Sub(reps[i-1].at), 250*time.Millisecond, "report %d came %v after the one before", i+1, reps[i].at.Sub(reps[i-1].at))
	}
	assert.Contains(t, reps[2].trigger, `heartbeat "flappy" missed`)
	assert.Regexp(t, `; \d+ more misses since the last heartbeat report, held back by its limits$`, reps[2].trigger)
}

func TestHeartbeatReportsHaveAnHourlyCap(t *testing.T) {
	var notices syncBuffer
	got := flappingReporter(t, &notices, gmr.WithMinInterval(0))
	for i := range gmr.DefaultHeartbeatReportsPerHour {
		select {
		case <-got:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d heartbeat reports after 10s", i)
		}
	}
	waitFor(t, 10*time.Second, "the cap's notice", func() bool {
		return strings.Contains(notices.String(), "heartbeat reports were written in the last hour, their cap")
	})
	select {
	case s := <-got:
		t.Fatalf("a heartbeat report past the hourly cap: %s", s.trigger)
	default:
	}
	assert.Equal(t, 1, strings.Count(notices.String(), "their cap"), "one notice an hour")
}
