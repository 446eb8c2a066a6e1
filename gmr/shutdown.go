package gmr

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// shutdownSignals are the signals after which the shutdown watchdog counts.
var shutdownSignals = []os.Signal{syscall.SIGTERM, os.Interrupt}

// The shutdown watchdog (WithShutdownReport, GMR_SHUTDOWN_REPORT_AFTER)
// must learn of SIGTERM and SIGINT without changing what they do. That is
// harder than it looks: os/signal has no way to listen to a signal beside
// its default action. Once any channel is registered with signal.Notify,
// the runtime no longer exits on the signal, so a gmr that simply called
// Notify would leave a service that never handled SIGTERM itself running
// after `kill`. Re-raising the signal after it arrives would fix that, but
// a service that does handle it would then get it twice, and many treat a
// second SIGINT or SIGTERM as "exit now, skip the graceful shutdown".
//
// So gmr needs what os/signal does not export (go.dev/issue/22497): whether
// any other channel is registered for the signal. It reads that count, under
// os/signal's own lock, from the package's registration table, which it
// finds through the binary's symbol table (signalProbe, Linux only) and
// checks against the table's exact size and against its own registration.
// Then, when the signal arrives:
//
//   - gmr stops listening at once, so a second signal reaches the service's
//     handler, or the default action, exactly as without gmr;
//   - if the service has its own registration, it got the signal as usual
//     and gmr arms the timer;
//   - if gmr was alone, the default action was the service's: gmr raises
//     the signal again, with nothing registered, and the runtime ends the
//     process by it, as it would have (a few microseconds later).
//
// Where the count cannot be read (not Linux, a binary without a symbol
// table, built with -ldflags=-s as `go run` does, or a runtime whose table
// differs), the watchdog stays off, with one notice saying why: it never
// guesses.

// watchShutdown installs the shutdown watchdog, if one is configured. It
// registers for the shutdown signals before it returns, so that a signal
// sent once Setup has returned is seen.
func (r *Reporter) watchShutdown() {
	after := r.s.shutdownAfter
	if after <= 0 {
		return
	}
	probe, err := newSignalProbe()
	if err != nil {
		r.notice(slog.LevelWarn, fmt.Sprintf("the shutdown watchdog (%s) is off: %v; the service can call Reporter.ShutdownStarted where its own shutdown starts instead", EnvShutdownReportAfter, err), slog.Any(attrError, err))
		return
	}
	var sigs []os.Signal
	for _, sig := range shutdownSignals {
		// A signal ignored from the start (nohup, a background job's
		// SIGINT) stays ignored: Notify would undo that.
		if !signal.Ignored(sig) {
			sigs = append(sigs, sig)
		}
	}
	if len(sigs) == 0 {
		return
	}
	before := make([]int64, len(sigs))
	for i, sig := range sigs {
		before[i] = probe.listeners(sig)
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	for i, sig := range sigs {
		if n := probe.listeners(sig); n != before[i]+1 {
			// The table is not what gmr expects, or the service
			// registered at this very moment: trust neither.
			signal.Stop(ch)
			r.passOn(ch)
			err := fmt.Errorf("os/signal's registration count for %s went from %d to %d, not up by one", signalName(sig), before[i], n)
			r.notice(slog.LevelWarn, fmt.Sprintf("the shutdown watchdog (%s) is off: %v", EnvShutdownReportAfter, err), slog.Any(attrError, err))
			return
		}
	}
	r.wg.Go(func() {
		defer signal.Stop(ch)
		// The service's listeners, sampled while gmr waits: a service
		// that stops listening as soon as it has the signal (the
		// signal.NotifyContext pattern: <-ctx.Done(); stop()) may have
		// unregistered by the time gmr counts at delivery, so the count
		// taken just before the signal is what tells whether gmr was
		// alone. A service that stopped listening long before the signal
		// shows 0 in it, and gets the default action.
		others := make(map[os.Signal]int64, len(sigs))
		sample := func() {
			for _, s := range sigs {
				others[s] = probe.listeners(s) - 1 // less gmr's own
			}
		}
		sample()
		tick := time.NewTicker(shutdownSample)
		defer tick.Stop()
		var sig os.Signal
	wait:
		for {
			select {
			case <-r.quit:
				// A signal pending as gmr stops: when gmr was alone,
				// the default action must still happen.
				signal.Stop(ch)
				select {
				case s := <-ch:
					if max(others[s], probe.listeners(s)) <= 0 {
						raise(s)
					}
				default:
				}
				return
			case <-tick.C:
				sample()
			case sig = <-ch:
				break wait
			}
		}
		n := max(others[sig], probe.listeners(sig)-1)
		signal.Stop(ch)
		if n <= 0 {
			raise(sig) // gmr was alone: the runtime's default action
			return
		}
		r.armShutdown(after, signalName(sig))
	})
}

// DefaultShutdownReportAfter is the shutdown watchdog's time after
// ShutdownStarted when neither WithShutdownReport nor
// GMR_SHUTDOWN_REPORT_AFTER sets one.
const DefaultShutdownReportAfter = 30 * time.Second

// ShutdownStarted tells gmr that the service has begun to shut down: call it
// where the service's own shutdown starts, in its SIGTERM handler, when its
// signal.NotifyContext is done, or on an admin request. If the process is
// still running the shutdown watchdog's time later (WithShutdownReport,
// GMR_SHUTDOWN_REPORT_AFTER, or DefaultShutdownReportAfter when neither is
// set), gmr writes one report, with the trigger "shutdown watchdog: still
// running 30s after ShutdownStarted". WithShutdownReport(0) turns it off.
//
// Unlike the signal-driven watchdog, it reads no signal and nothing private
// to os/signal, so it works on every system and in stripped binaries. The
// watchdog writes one report per Reporter: once armed, by this call or by
// a signal, later calls do nothing. Reporter.Stop disarms it, so stop gmr
// last, once the shutdown is done:
//
//	<-ctx.Done() // the service's own signal.NotifyContext
//	r.ShutdownStarted()
//	drain()
//	r.Stop()
func (r *Reporter) ShutdownStarted() {
	if r == nil {
		return
	}
	after := r.s.shutdownAfter
	if after == 0 {
		if r.s.shutdownSet {
			return // WithShutdownReport(0)
		}
		after = DefaultShutdownReportAfter
	}
	r.armShutdown(after, "ShutdownStarted")
}

// armShutdown starts the shutdown watchdog's timer, unless it has been
// armed before or the Reporter has stopped: after the given time, one
// report names the cause. The goroutine is started under r.wd.mu, so that
// it is never added to r.wg once Stop waits on it.
func (r *Reporter) armShutdown(after time.Duration, cause string) {
	r.wd.mu.Lock()
	defer r.wd.mu.Unlock()
	if r.wd.stopped || r.wd.shutdownArmed {
		return
	}
	r.wd.shutdownArmed = true
	quit := r.quitLocked()
	r.wg.Go(func() {
		t := time.NewTimer(after)
		defer t.Stop()
		select {
		case <-quit:
			return
		case <-t.C:
		}
		r.report(context.Background(), fmt.Sprintf("shutdown watchdog: still running %v after %s", after, cause)) //nolint:errcheck // report wrote the error
	})
}

// shutdownSample is how often the shutdown watchdog counts the service's
// own listeners for the shutdown signals while it waits: a cheap read
// under os/signal's lock.
const shutdownSample = 100 * time.Millisecond

// passOn raises again a signal that arrived on ch while gmr could not yet
// tell whether it was alone in listening, after ch was stopped: the
// service gets it, or the default action happens.
func (r *Reporter) passOn(ch chan os.Signal) {
	select {
	case sig := <-ch:
		raise(sig)
	default:
	}
}
