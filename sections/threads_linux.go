//go:build linux

package sections

import (
	"context"
	"fmt"

	"github.com/gmr-go/gmr/internal/procfs"
)

// listOSThreads fills in r's per-thread list from /proc/self/task.
func listOSThreads(ctx context.Context, r *ThreadReport) error {
	return readThreads(ctx, procfs.Default.Self(), procfs.ClockTicks(), r)
}

// readThreads lists p's threads into r, reading at most r.MaxThreads stat
// files, with CPU times converted at hz ticks per second.
func readThreads(ctx context.Context, p procfs.Proc, hz int64, r *ThreadReport) error {
	tids, err := p.Tasks()
	if err != nil {
		r.OSThreads = r.RuntimeThreads
		r.Note = fmt.Sprintf("no per-thread list: %v; os_threads is the Go runtime's count of its own threads", err)
		return nil
	}
	r.OSThreads = len(tids)
	var statusErr error
	defer func() {
		if statusErr != nil {
			r.addNote(fmt.Sprintf("context switches missing: %v", statusErr))
		}
	}()
	for i, tid := range tids {
		if len(r.Threads) >= r.MaxThreads {
			r.Omitted = len(tids) - i
			break
		}
		if err := ctx.Err(); err != nil {
			r.Omitted = len(tids) - i
			if r.Note == "" {
				r.Note = fmt.Sprintf("listing stopped after %d threads: %v", i, err)
			}
			return err
		}
		st, err := p.Task(tid).Stat()
		switch {
		case procfs.IsGone(err):
			// The thread exited after the listing.
			r.OSThreads--
			continue
		case err != nil:
			r.Unreadable++
			if r.Note == "" {
				r.Note = fmt.Sprintf("thread %d: %v", tid, err)
			}
			continue
		}
		status, err := p.Task(tid).Status()
		switch {
		case procfs.IsGone(err):
			r.OSThreads--
			continue
		case err != nil && statusErr == nil:
			statusErr = fmt.Errorf("thread %d: %w", tid, err)
		}
		name := procfs.StateName(st.State)
		r.States[name]++
		r.Threads = append(r.Threads, Thread{
			TID:                 tid,
			Name:                st.Comm,
			State:               string([]byte{st.State}),
			StateName:           name,
			User:                Millis(procfs.TicksToDuration(st.UTime, hz)),
			System:              Millis(procfs.TicksToDuration(st.STime, hz)),
			CPU:                 st.Processor,
			VoluntarySwitches:   status.VoluntarySwitches,
			InvoluntarySwitches: status.InvoluntarySwitches,
		})
	}
	return nil
}
