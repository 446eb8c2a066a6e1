package gmr

import (
	"context"
	"os"
	"os/signal"
	"sync"
)

var (
	activeMu sync.Mutex
	active   *Reporter
)

// Setup makes a Reporter as New does and installs its trigger: a handler for
// SIGUSR2 (or the signal set by WithSignal or GMR_SIGNAL) that writes a
// report each time the signal arrives. It opens no port and starts one
// goroutine, which waits for the signal.
//
// One statement in main is enough:
//
//	gmr.Setup()
//
// Setup may be called once per process at a time: while the Reporter from an
// earlier Setup has not been stopped, it returns ErrAlreadySetup. On systems
// without signals (Windows), Setup returns a working Reporter together with
// ErrSignalsUnsupported.
//
// Signals that arrive while a report is being made are folded into at most
// one more report.
func Setup(opts ...Option) (*Reporter, error) {
	activeMu.Lock()
	defer activeMu.Unlock()
	if active != nil {
		return nil, ErrAlreadySetup
	}
	r, err := New(opts...)
	if err != nil {
		return nil, err
	}
	switch {
	case r.s.noSignal:
	case r.s.signal == nil:
		return r, ErrSignalsUnsupported
	default:
		r.listen(r.s.signal)
	}
	active = r
	return r, nil
}

// listen installs the signal handler. The channel holds one signal, and
// signal.Notify drops signals it cannot deliver, so a burst of signals during
// a report becomes one more report, and no goroutine or buffer grows.
func (r *Reporter) listen(sig os.Signal) {
	r.sig = sig
	r.sigCh = make(chan os.Signal, 1)
	r.quit = make(chan struct{})
	r.done = make(chan struct{})
	signal.Notify(r.sigCh, sig)
	trigger := "signal " + signalName(sig)
	go func() {
		defer close(r.done)
		for {
			select {
			case <-r.quit:
				return
			case <-r.sigCh:
				r.report(context.Background(), trigger) //nolint:errcheck // report already logged the error
			}
		}
	}()
}

// Stop removes the Reporter's trigger and waits for a report in progress to
// finish. After Stop the signal is ignored rather than restored to its
// default action, which for SIGUSR1 and SIGUSR2 would kill the process. The
// Reporter's methods still work after Stop. Stop may be called more than
// once.
func (r *Reporter) Stop() {
	r.stopOnce.Do(func() {
		if r.sigCh != nil {
			signal.Ignore(r.sig)
			signal.Stop(r.sigCh)
			close(r.quit)
			<-r.done
		}
		activeMu.Lock()
		if active == r {
			active = nil
		}
		activeMu.Unlock()
	})
}
