package sections

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/gmr-go/gmr/internal/textfmt"
)

// writeText writes c under a "contention" heading: the mutex wait rate,
// then each profile's state and top sites.
//
//	contention:
//	  mutex_wait = 1.5s in 10m0s of uptime: 0.0025 seconds per second (sync.Mutex, sync.RWMutex and runtime locks)
//	  mutex_profile: on, 1 in 5 events recorded: 1.2s waited in 340 contentions, charged to the unlocking call
//	    DELAY  COUNT  FUNCTION       AT          IN                    CALLED FROM
//	    1.2s   340    main.(*db).Get db.go:40    sync.(*Mutex).Unlock  main.handle
//	  block_profile: off, or on with nothing recorded yet: runtime.SetBlockProfileRate(1000000) turns it on, ...
func (c *Contention) writeText(buf *bytes.Buffer) {
	buf.WriteString("contention:\n")
	fmt.Fprintf(buf, "  mutex_wait = %v in %v of uptime: %s seconds per second (sync.Mutex, sync.RWMutex and runtime locks)\n",
		roundWait(c.MutexWait.D()), roundWait(c.Uptime.D()), strconv.FormatFloat(c.MutexWaitRate, 'g', 4, 64))
	if c.Note != "" {
		fmt.Fprintf(buf, "  note = %s\n", textfmt.Escape(c.Note))
	}
	c.Mutex.writeText(buf, "mutex_profile", "contentions, charged to the unlocking call")
	c.Block.writeText(buf, "block_profile", "blocking events, where goroutines blocked")
}

// writeText writes the profile's state line, and its sites as a table.
func (cp *ContentionProfile) writeText(buf *bytes.Buffer, name, events string) {
	fmt.Fprintf(buf, "  %s: ", name)
	switch {
	case cp.Enabled && cp.Rate == 1:
		buf.WriteString("on, every event recorded")
	case cp.Enabled && cp.Rate > 0:
		fmt.Fprintf(buf, "on, 1 in %s events recorded", textfmt.Commas(cp.Rate))
	case cp.Enabled:
		buf.WriteString("on")
	case name == "block_profile":
		buf.WriteString("off, or on with nothing recorded yet")
	default:
		buf.WriteString("off")
	}
	if cp.Count > 0 || cp.Delay > 0 {
		fmt.Fprintf(buf, ": %v waited in %s %s", roundWait(cp.Delay.D()), textfmt.Commas(int(min(cp.Count, 1<<31-1))), events)
	} else if cp.Enabled {
		buf.WriteString(": nothing recorded")
	}
	if cp.Enable != "" {
		fmt.Fprintf(buf, "; %s", textfmt.Escape(cp.Enable))
	}
	buf.WriteString("\n")
	if cp.Note != "" {
		fmt.Fprintf(buf, "    note = %s\n", textfmt.Escape(cp.Note))
	}
	if len(cp.Sites) == 0 {
		return
	}
	tw := newTable(buf)
	fmt.Fprintln(tw, "    DELAY\tCOUNT\tFUNCTION\tAT\tIN\tCALLED FROM")
	for _, s := range cp.Sites {
		at := shortFileLine(s.File, s.Line)
		fmt.Fprintf(tw, "    %v\t%s\t%s\t%s\t%s\t%s\n", roundWait(s.Delay.D()), textfmt.Commas(int(min(s.Count, 1<<31-1))),
			textfmt.Escape(s.Function), at, textfmt.Escape(s.Op), framesLine(s.Callers))
	}
	tw.Flush()
	if cp.SitesOmitted > 0 {
		fmt.Fprintf(buf, "    ... %s not listed\n", textfmt.Plural(cp.SitesOmitted, "site"))
	}
}

// roundWait rounds a time waited or an uptime for the text: to the
// second from a minute up, to the millisecond from a second, and to the
// microsecond below.
func roundWait(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}
