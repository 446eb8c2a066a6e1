package gmr_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/gmr/report"
)

// cheapSection is a section that returns at once.
func cheapSection() report.Section {
	return report.Func("cheap", func(context.Context) (any, error) { return map[string]int{"n": 1}, nil })
}

// stalledWriter blocks every Write until release is closed, as a stderr
// pipe whose reader has stopped reading does once its buffer is full.
type stalledWriter struct {
	release chan struct{}
	entered chan struct{}
	once    sync.Once
	mu      sync.Mutex
	writes  int
}

func newStalledWriter() *stalledWriter {
	return &stalledWriter{release: make(chan struct{}), entered: make(chan struct{})}
}

func (w *stalledWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	w.writes++
	w.mu.Unlock()
	w.once.Do(func() { close(w.entered) })
	<-w.release
	return len(b), nil
}

func (w *stalledWriter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes
}

// A report blocked on a stalled stderr must not make WriteReport to
// another writer ignore its context.
func TestWriteReportHonoursContextWhileStderrBlocked(t *testing.T) {
	w := newStalledWriter()
	defer close(w.release)
	r, err := gmr.New(gmr.WithStderr(w), gmr.WithOnlySections(cheapSection()))
	require.NoError(t, err)
	go r.Report(context.Background()) //nolint:errcheck // blocked
	<-w.entered

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		done <- r.WriteReport(ctx, io.Discard)
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.DeadlineExceeded)
	case <-time.After(5 * time.Second):
		t.Fatal("WriteReport with a 500ms context still blocked after 5s behind a report writing to a stalled stderr")
	}
}

// WriteReport's own writer, blocked, must not hold up other reports.
func TestWriteReportBlockedWriterDelaysNoReport(t *testing.T) {
	w := newStalledWriter()
	defer close(w.release)
	r, err := gmr.New(gmr.WithStderr(io.Discard), gmr.WithOnlySections(cheapSection()))
	require.NoError(t, err)
	go r.WriteReport(context.Background(), w) //nolint:errcheck // blocked
	<-w.entered
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = r.Report(ctx)
	require.NoError(t, err)
}

// Stop must return while stderr is stalled.
func TestStopReturnsWhileStderrBlocked(t *testing.T) {
	w := newStalledWriter()
	r, err := gmr.Setup(gmr.WithStderr(w), gmr.WithoutSignal(), gmr.WithOnlySections(cheapSection()))
	require.NoError(t, err)
	go r.Report(context.Background()) //nolint:errcheck // blocked
	<-w.entered
	done := make(chan struct{})
	go func() { r.Stop(); close(done) }()
	select {
	case <-done:
		close(w.release)
	case <-time.After(5 * time.Second):
		close(w.release) // let Stop finish, so that later tests may Setup
		<-done
		t.Fatal("Stop still blocked after 5s behind a report writing to a stalled stderr")
	}
}

// A stalled stderr costs one blocked write: the report in it fails after
// the report timeout, later ones at once, each saying so to OnReport and
// the logger, and none is queued. Once the write returns, reports go to
// stderr again.
func TestStalledStderrDropsLaterReports(t *testing.T) {
	w := newStalledWriter()
	var logged syncBuffer
	errs := make(chan error, 16)
	r, err := gmr.New(gmr.WithStderr(w), gmr.WithTimeout(300*time.Millisecond),
		gmr.WithLogger(slog.New(slog.NewTextHandler(&logged, nil))),
		gmr.WithOnlySections(cheapSection()),
		gmr.WithOnReport(func(_ string, err error) { errs <- err }))
	require.NoError(t, err)
	defer r.Stop()

	start := time.Now()
	_, err = r.Report(context.Background())
	require.ErrorContains(t, err, "not done after 300ms")
	assert.Less(t, time.Since(start), 3*time.Second)
	require.Error(t, <-errs)

	for i := range 3 {
		start := time.Now()
		_, err = r.Report(context.Background())
		require.ErrorContains(t, err, "writes dropped since")
		assert.Less(t, time.Since(start), time.Second, "report %d while stderr is blocked", i+2)
		require.Error(t, <-errs)
	}
	assert.Equal(t, 1, w.count(), "one Write, the blocked one; the others were not queued")
	assert.Contains(t, logged.String(), "3 writes dropped since")

	close(w.release)
	waitFor(t, 10*time.Second, "a report once stderr drains", func() bool {
		_, err := r.Report(context.Background())
		<-errs
		return err == nil
	})
}
