package gmr_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/gmr"
)

// overlapWriter records whether two Writes ever ran at once. The first Write
// blocks until a second one has entered, or until a bound passes.
type overlapWriter struct {
	in      atomic.Int32
	overlap atomic.Bool
	second  chan struct{}
	once    sync.Once
	first   atomic.Bool
}

func (w *overlapWriter) Write(b []byte) (int, error) {
	if w.in.Add(1) > 1 {
		w.overlap.Store(true)
		w.once.Do(func() { close(w.second) })
	}
	defer w.in.Add(-1)
	if w.first.CompareAndSwap(false, true) {
		select {
		case <-w.second:
		case <-time.After(3 * time.Second):
		}
	}
	return len(b), nil
}

// Two WriteReport calls to one writer write one at a time, though each
// writes after releasing the report lock (a review found them overlapping).
func TestConcurrentWriteReportsShareAWriter(t *testing.T) {
	r, err := gmr.New(gmr.WithOnlySections(cheapSection()))
	require.NoError(t, err)
	w := &overlapWriter{second: make(chan struct{})}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { assert.NoError(t, r.WriteReport(context.Background(), w)) })
	}
	wg.Wait()
	assert.False(t, w.overlap.Load(), "two WriteReport outputs were written to one writer at the same time")
}
