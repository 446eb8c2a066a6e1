package gmr

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A Heartbeat watches one loop of the service that should run at least
// every so often. The loop calls Beat each time round; when Beat has not
// been called for longer than the heartbeat's period, the Reporter writes
// one report, whose trigger names the heartbeat and says how long it has
// been silent:
//
//	heartbeat "queue-consumer" missed: no beat for 10.5s (expected every 10s)
//
// That is one report per miss: the next Beat re-arms the heartbeat, and a
// second miss makes a second report. Heartbeats that miss together share
// one report.
//
// Heartbeat reports are limited, so that a loop that misses on every round
// cannot make a report on every round: at least the minimum interval
// (WithMinInterval) between two of them, and at most
// DefaultHeartbeatReportsPerHour in any hour, for all of a Reporter's
// heartbeats together, with one notice an hour while the cap holds reports
// back. A miss held back is reported when the limits allow, and the misses
// folded into it meanwhile are counted in its trigger:
//
//	heartbeat "queue-consumer" missed: ...; 41 more misses since the last heartbeat report, held back by its limits
//
// Beat costs one clock read and two atomic operations, so it may be called
// in a hot loop. All of a Reporter's heartbeats are watched by one
// goroutine, which sleeps until the earliest deadline: Beat never touches a
// timer, which it would if each heartbeat had its own.
//
// A Heartbeat's methods are safe for concurrent use, and do nothing on a nil
// Heartbeat, which is what a nil Reporter's Heartbeat returns.
type Heartbeat struct {
	hb    *heartbeats
	name  string
	every time.Duration
	last  atomic.Int64 // the last beat, in nanoseconds since hb.base
	state atomic.Int32 // beatArmed, beatMissed or beatStopped
}

// The states of a Heartbeat.
const (
	beatArmed   int32 = iota // beating, or due
	beatMissed               // reported; waiting for the next Beat
	beatStopped              // Stop was called
)

// heartbeats is a Reporter's set of heartbeats and the goroutine that
// watches them.
type heartbeats struct {
	base time.Time     // beats are stored as the monotonic time since base
	wake chan struct{} // a heartbeat was added or re-armed

	mu   sync.Mutex
	list []*Heartbeat
}

// watchdogs is the Reporter's state for its heartbeats and flight
// recorder.
type watchdogs struct {
	mu      sync.Mutex
	stopped bool          // Stop was called
	hb      *heartbeats   // nil until the first Heartbeat
	quit    chan struct{} // made on first use (quitLocked), closed by Stop
	flight  *flightRecorder

	shutdownArmed bool // the shutdown watchdog's timer runs, or ran
}

// quitLocked returns the channel Stop closes to end the watchdogs'
// goroutines, made on first use. r.wd.mu must be held.
func (r *Reporter) quitLocked() chan struct{} {
	if r.wd.quit == nil {
		r.wd.quit = make(chan struct{})
	}
	return r.wd.quit
}

// stopWatchdogs ends the heartbeat goroutine and stops the flight
// recorder, for Reporter.Stop. The flight recorder is stopped under the
// report lock, between reports, so that its Stop never runs during the
// WriteTo of a report. Locks are taken in the order r.mu, then r.wd.mu.
func (r *Reporter) stopWatchdogs() {
	r.wd.mu.Lock()
	if r.wd.stopped {
		r.wd.mu.Unlock()
		return
	}
	r.wd.stopped = true
	if r.wd.quit != nil {
		close(r.wd.quit)
	}
	r.wd.mu.Unlock()

	r.mu.Lock()
	defer r.mu.Unlock()
	r.wd.mu.Lock()
	defer r.wd.mu.Unlock()
	r.wd.flight.stop()
}

// Heartbeat returns a heartbeat named name that should beat at least every
// period: the loop it watches calls Beat each time round, and Stop when it
// ends. The period starts now, as if Beat had just been called. A name is
// shown in the report's trigger; it need not be unique. The watching stops
// with the Reporter (Stop).
//
// A period that is not positive returns nil, a heartbeat that does nothing,
// and writes a notice; so does a nil Reporter, without the notice.
//
//	hb := r.Heartbeat("queue-consumer", 10*time.Second)
//	defer hb.Stop()
//	for msg := range queue {
//		hb.Beat()
//		handle(msg)
//	}
func (r *Reporter) Heartbeat(name string, period time.Duration) *Heartbeat {
	if r == nil {
		return nil
	}
	if period <= 0 {
		r.notice(slog.LevelWarn, fmt.Sprintf("heartbeat %q: period %v is not positive; it is not watched", name, period))
		return nil
	}
	hbs := r.heartbeats()
	if hbs == nil {
		return nil // stopped
	}
	h := &Heartbeat{hb: hbs, name: name, every: period}
	h.last.Store(int64(time.Since(hbs.base)))
	hbs.mu.Lock()
	hbs.list = append(hbs.list, h)
	hbs.mu.Unlock()
	hbs.poke()
	return h
}

// heartbeats returns the Reporter's heartbeat set, made with its goroutine
// on first use; nil once the Reporter has stopped. The goroutine is started
// under r.wd.mu, so that it is never added to r.wg once Stop waits on it.
func (r *Reporter) heartbeats() *heartbeats {
	r.wd.mu.Lock()
	defer r.wd.mu.Unlock()
	if r.wd.stopped {
		return nil
	}
	if r.wd.hb == nil {
		hbs := &heartbeats{base: time.Now(), wake: make(chan struct{}, 1)}
		quit := r.quitLocked()
		r.wd.hb = hbs
		r.wg.Go(func() { r.watchHeartbeats(hbs, quit) })
	}
	return r.wd.hb
}

// Beat records that the loop is alive. It re-arms a heartbeat that has
// missed.
func (h *Heartbeat) Beat() {
	if h == nil {
		return
	}
	h.last.Store(int64(time.Since(h.hb.base)))
	if h.state.Load() == beatMissed && h.state.CompareAndSwap(beatMissed, beatArmed) {
		h.hb.poke()
	}
}

// Stop stops watching the heartbeat. Beat may still be called; it does
// nothing more.
func (h *Heartbeat) Stop() {
	if h == nil {
		return
	}
	h.state.Store(beatStopped)
	h.hb.mu.Lock()
	defer h.hb.mu.Unlock()
	for i, x := range h.hb.list {
		if x == h {
			h.hb.list = append(h.hb.list[:i], h.hb.list[i+1:]...)
			break
		}
	}
}

// Name returns the heartbeat's name.
func (h *Heartbeat) Name() string {
	if h == nil {
		return ""
	}
	return h.name
}

// poke wakes the watching goroutine, which then looks at every heartbeat
// again.
func (hbs *heartbeats) poke() {
	select {
	case hbs.wake <- struct{}{}:
	default: // already woken
	}
}

// watchHeartbeats sleeps until the earliest heartbeat deadline, reports the
// heartbeats that have missed theirs, and sleeps again, until the Reporter
// stops.
func (r *Reporter) watchHeartbeats(hbs *heartbeats, quit <-chan struct{}) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	limit := reportLimit{gap: r.s.minInterval, perHour: DefaultHeartbeatReportsPerHour}
	var held []missedBeat // misses not yet reported, one per heartbeat
	var folded int        // misses folded into held since the last report
	for {
		missed, next := hbs.check()
		held, folded = foldMisses(held, missed, folded)
		if len(held) > 0 {
			now := time.Now()
			wait, capped := limit.wait(now)
			if wait == 0 {
				limit.take(now)
				r.report(context.Background(), heartbeatTrigger(held, folded)) //nolint:errcheck // report wrote the error
				held, folded = nil, 0
				continue // the report took time: look again
			}
			if capped && limit.noticeDue(now) {
				r.notice(slog.LevelWarn, fmt.Sprintf("heartbeat %q missed, but %d heartbeat reports were written in the last hour, their cap: the next in %v",
					held[0].name, len(limit.recent), wait.Round(time.Second)))
			}
			next = min(next, wait)
		}
		timer.Reset(next)
		select {
		case <-quit:
			return
		case <-hbs.wake:
		case <-timer.C:
		}
	}
}

// missedBeat is a heartbeat found silent past its period, and for how long.
type missedBeat struct {
	h             *Heartbeat
	name          string
	silent, every time.Duration
}

// DefaultHeartbeatReportsPerHour caps the heartbeat reports of a Reporter
// in any hour.
const DefaultHeartbeatReportsPerHour = 6

// maxHeartbeatWait is how long the watcher sleeps when no heartbeat is due.
const maxHeartbeatWait = time.Hour

// check marks the armed heartbeats that are past their deadline as missed
// and returns them, with the time until the earliest deadline of those
// still armed.
func (hbs *heartbeats) check() (missed []missedBeat, next time.Duration) {
	now := time.Since(hbs.base)
	next = maxHeartbeatWait
	hbs.mu.Lock()
	defer hbs.mu.Unlock()
	for _, h := range hbs.list {
		if h.state.Load() != beatArmed {
			continue
		}
		last := time.Duration(h.last.Load())
		if due := last + h.every; now < due {
			next = min(next, due-now)
			continue
		}
		if !h.state.CompareAndSwap(beatArmed, beatMissed) {
			continue
		}
		if time.Duration(h.last.Load()) != last {
			// A beat came in between: not a miss.
			h.state.CompareAndSwap(beatMissed, beatArmed)
			next = 0
			continue
		}
		missed = append(missed, missedBeat{h: h, name: h.name, silent: now - last, every: h.every})
	}
	return missed, next
}

// foldMisses adds the misses found to those held back by the limits: a
// heartbeat held already is held once, with its latest silence, and the
// miss counted in folded.
func foldMisses(held, found []missedBeat, folded int) ([]missedBeat, int) {
	for _, m := range found {
		i := slices.IndexFunc(held, func(x missedBeat) bool { return x.h == m.h })
		if i < 0 {
			held = append(held, m)
			continue
		}
		held[i] = m
		folded++
	}
	return held, folded
}

// heartbeatTrigger is the trigger of a report on missed heartbeats, with
// the number of misses folded into it while the limits held it back.
// It names at most maxTriggerBeats of them, each name cut to
// maxBeatName bytes, so that its length is bounded.
func heartbeatTrigger(missed []missedBeat, folded int) string {
	var parts []string
	for i, m := range missed {
		if i == maxTriggerBeats {
			parts = append(parts, fmt.Sprintf("and %d more heartbeats", len(missed)-i))
			break
		}
		name := m.name
		if len(name) > maxBeatName {
			name = strings.ToValidUTF8(name[:maxBeatName], "") + "..."
		}
		parts = append(parts, fmt.Sprintf("heartbeat %q missed: no beat for %v (expected every %v)", name, m.silent.Round(time.Millisecond), m.every))
	}
	if folded > 0 {
		parts = append(parts, fmt.Sprintf("%d more misses since the last heartbeat report, held back by its limits", folded))
	}
	return strings.Join(parts, "; ")
}

// Bounds of a heartbeat report's trigger.
const (
	maxTriggerBeats = 5
	maxBeatName     = 64
)
