// Command child is the service gmr's tests start as a child process and
// signal for real. It parks a known number of goroutines in a function with a
// known name, calls gmr.Setup, prints "ready <pid>" on stdout, and serves
// until its stdin is closed.
//
// Flags choose hostile behaviour for the tests: a section that hangs or
// panics, or many goroutines; -canaries hides secrets in every shape gmr
// must mask (see canaries).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/sections"
)

func main() {
	park := flag.Int("park", 0, "goroutines to park in parkedWorker")
	shapes := flag.Int("shapes", 0, "with -park: park the goroutines in this many distinct stacks (goroutine i below i%shapes calls of shapedWorker)")
	parkMutex := flag.Int("park-mutex", 0, "goroutines to park in mutexWaiter, on a mutex that mutexHolder holds")
	parkSelect := flag.Int("park-select", 0, "goroutines to park in selectWaiter")
	leak := flag.Int("leak", 0, "goroutines to leak in leakedWorker, blocked on a channel nothing else can reach")
	hang := flag.Bool("hang-section", false, "add a section that never returns")
	panicky := flag.Bool("panic-section", false, "add a section that panics")
	panickyFormat := flag.Bool("panic-formatter", false, "use a formatter that panics")
	timeout := flag.Duration("timeout", 0, "report timeout (0: the default)")
	flag.String("db-password", "", "a secret flag, masked in reports")
	secretConfig := flag.Bool("secret-config", false, "register a config value with a field tagged secret (from $CHILD_SECRET_FIELD) and $DATABASE_URL")
	setupDelay := flag.Duration("setup-delay", 0, "print \"starting <pid>\" and wait this long before Setup")
	nofile := flag.Uint64("nofile", 0, "after Setup, lower RLIMIT_NOFILE to this and use up every descriptor")
	fdShare := flag.Float64("fd-share", 1, "with -nofile: use up only this share of the descriptors (0.9: 90%)")
	holdHeap := flag.Int("hold-heap", 0, "bytes of heap to allocate and keep live, in 1 MiB blocks")
	canaryFile := flag.String("canaries", "", "read secrets (JSON, see canaries) from this file and hide them in every shape gmr must mask")
	onlySections := flag.Bool("only-sections", false, "with -canaries: WithOnlySections(config, environment, the canary sections, goroutines)")
	dumpFormat := flag.Bool("dump-formatter", false, "use a third-party formatter that writes everything it receives")
	flag.Parse()

	var secrets *canaries
	if *canaryFile != "" {
		var err error
		if secrets, err = readCanaries(*canaryFile); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
	}

	if *setupDelay > 0 {
		fmt.Println("starting", os.Getpid())
		time.Sleep(*setupDelay)
	}

	release := make(chan struct{})
	var ready sync.WaitGroup
	ready.Add(*park)
	for i := range *park {
		if *shapes > 0 {
			go shapedWorker(i%*shapes, &ready, release)
			continue
		}
		go parkedWorker(&ready, release)
	}
	ready.Wait()
	parkBlocked(*parkMutex, *parkSelect, release)
	if secrets != nil {
		secrets.parkLabelled(release)
	}
	for range *leak {
		go leakedWorker()
	}

	opts := []gmr.Option{gmr.WithService("child"), gmr.WithVersion("9.9.9")}
	if *hang {
		opts = append(opts, gmr.WithSections(report.Func("hung", func(ctx context.Context) (any, error) {
			select {} // ignores its deadline, as a buggy section might
		})))
	}
	if *panickyFormat {
		opts = append(opts, gmr.WithFormatter(panickyFormatter{}))
	}
	if *panicky {
		opts = append(opts, gmr.WithSections(report.Func("panicky", func(context.Context) (any, error) {
			panic("section exploded")
		})))
	}
	if *secretConfig {
		opts = append(opts, gmr.WithConfig("app", &struct {
			Name        string `json:"name"`
			License     string `json:"license" gmr:"secret"`
			DatabaseURL string `json:"database_url"`
		}{"child", os.Getenv("CHILD_SECRET_FIELD"), os.Getenv("DATABASE_URL")}))
	}
	if *timeout > 0 {
		opts = append(opts, gmr.WithTimeout(*timeout))
	}
	dump := &dumpFormatter{}
	if *dumpFormat {
		opts = append(opts, gmr.WithFormatter(dump))
	}
	if secrets != nil {
		dump.failWith = secrets.FormatErr
		opts = append(opts, secrets.options(*onlySections)...)
	}
	r, err := gmr.Setup(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: setup:", err)
		os.Exit(2)
	}
	defer r.Stop()

	// Busy work, so that the service is visibly serving while reports are made.
	var ticks sync.WaitGroup
	stop := make(chan struct{})
	ticks.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})

	var hoard []*os.File
	if *nofile > 0 {
		hoard = exhaustFDs(*nofile, *fdShare)
	}
	heap := hold(*holdHeap)

	fmt.Println("ready", os.Getpid())
	// Commands on stdin; its end means stop.
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if cmd, arg, ok := strings.Cut(in.Text(), " "); ok && (cmd == "grow-goroutines" || cmd == "grow-heap") {
			// More goroutines parked, or more heap held, for the
			// threshold watcher; then the time it was done.
			n, _ := strconv.Atoi(arg)
			if cmd == "grow-goroutines" {
				var grown sync.WaitGroup
				grown.Add(n)
				for range n {
					go parkedWorker(&grown, release)
				}
				grown.Wait()
			} else {
				heap = append(heap, hold(n)...)
			}
			fmt.Println("grown", time.Now().UnixNano())
			continue
		}
		if cmd, arg, ok := strings.Cut(in.Text(), " "); ok && cmd == "write-report" {
			// Reporter.WriteReport, to the file arg.
			if err := writeReport(r, arg); err != nil {
				fmt.Fprintln(os.Stderr, "child: write-report:", err)
			}
			fmt.Println("wrote", arg)
			continue
		}
		switch in.Text() {
		case "panic":
			go func() {
				defer gmr.ReportPanic()
				panic("child panic canary")
			}()
		case "panic-report":
			// A panic reported by ReportPanic and then recovered, so the
			// child goes on: the report's trigger quotes the panic value.
			panicReport(secrets)
			fmt.Println("panicked")
		case "fail-format":
			// The dump formatter fails once, with an error quoting a
			// secret: gmr's notice about it quotes the error.
			dump.fail.Store(true)
			fmt.Println("armed")
		case "fatal":
			go fatalStackOverflow()
		case "fds":
			fmt.Println("fds", len(hoard))
		case "ping":
			fmt.Println("pong")
		case "stop":
			r.Stop()
			fmt.Println("stopped")
		case "goroutines":
			fmt.Println("goroutines", runtime.NumGoroutine())
		}
	}
	close(stop)
	ticks.Wait()
	close(release)
	runtime.KeepAlive(heap)
	runtime.KeepAlive(hoard) // or the GC closes the files, by their finalizers
}

// hold allocates n bytes, in 1 MiB blocks, and touches them, so that they
// are resident.
func hold(n int) [][]byte {
	heap := make([][]byte, 0, n>>20)
	for range n >> 20 {
		b := make([]byte, 1<<20)
		for i := range b {
			b[i] = byte(i)
		}
		heap = append(heap, b)
	}
	return heap
}

// fatalStackOverflow makes a real fatal runtime error, one that no recover
// can catch: "fatal error: stack overflow".
func fatalStackOverflow() {
	debug.SetMaxStack(1 << 16)
	var recurse func(n int) int
	recurse = func(n int) int {
		var pad [256]byte
		pad[n%256] = byte(n)
		return recurse(n+1) + int(pad[0])
	}
	recurse(0)
}

// panickyFormatter is a formatter with a bug: it panics.
type panickyFormatter struct{}

func (panickyFormatter) Name() string                           { return "panicky" }
func (panickyFormatter) Extension() string                      { return "txt" }
func (panickyFormatter) Format(io.Writer, *report.Report) error { panic("formatter exploded") }

// shapedWorker calls itself depth times, then parks in parkedWorker, so
// that goroutines of different depths have different stacks.
//
//go:noinline
func shapedWorker(depth int, ready *sync.WaitGroup, release <-chan struct{}) {
	if depth > 0 {
		shapedWorker(depth-1, ready, release)
		return
	}
	parkedWorker(ready, release)
}

// parkedWorker blocks until release is closed. Tests look for its name and
// count in the goroutine section.
//
//go:noinline
func parkedWorker(ready *sync.WaitGroup, release <-chan struct{}) {
	ready.Done()
	<-release
}

// parkBlocked parks mutex goroutines in mutexWaiter, stuck on a mutex that
// one goroutine in mutexHolder holds, and sel goroutines in selectWaiter,
// and returns once they are all blocked. release frees them all.
func parkBlocked(mutex, sel int, release <-chan struct{}) {
	base := waitingGoroutines()
	var mu sync.Mutex
	if mutex > 0 {
		locked := make(chan struct{})
		go mutexHolder(&mu, locked, release)
		<-locked
	}
	var started sync.WaitGroup
	started.Add(mutex + sel)
	for range mutex {
		go mutexWaiter(&mu, &started)
	}
	for range sel {
		go selectWaiter(&started, release)
	}
	started.Wait()
	// Started is not yet blocked: wait until the runtime counts every one
	// of them as waiting.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if waitingGoroutines() >= base+mutex+sel {
			break
		}
	}
}

// waitingGoroutines returns how many goroutines the runtime counts as
// waiting.
func waitingGoroutines() int {
	s := []metrics.Sample{{Name: "/sched/goroutines/waiting:goroutines"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return math.MaxInt // no such metric: do not wait
	}
	return int(s[0].Value.Uint64())
}

// mutexHolder locks mu until release is closed.
//
//go:noinline
func mutexHolder(mu *sync.Mutex, locked chan<- struct{}, release <-chan struct{}) {
	mu.Lock()
	close(locked)
	<-release
	mu.Unlock()
}

// mutexWaiter blocks on mu, which mutexHolder holds.
//
//go:noinline
func mutexWaiter(mu *sync.Mutex, started *sync.WaitGroup) {
	started.Done()
	mu.Lock()
	//lint:ignore SA2001 blocking on the lock is the point
	mu.Unlock()
}

// selectWaiter blocks in a select until release is closed.
//
//go:noinline
func selectWaiter(started *sync.WaitGroup, release <-chan struct{}) {
	started.Done()
	select {
	case <-release:
	case <-time.After(time.Hour):
	}
}

// leakedWorker blocks forever on a channel no other goroutine can reach:
// the goroutineleak profile (GOEXPERIMENT=goroutineleakprofile) finds it.
//
//go:noinline
func leakedWorker() {
	<-make(chan struct{})
}

// canaries are the secrets of -canaries, one unique value for each shape in
// which a secret can reach gmr (gmr/canary_test.go). gmr must mask every one
// of them wherever a report, a profile or a notice goes.
type canaries struct {
	// SectionErr is the password in the error a custom section returns.
	SectionErr string
	// Panic is the password in the value a custom section panics with.
	Panic string
	// LabelToken, LabelAPIKey and LabelDSN are pprof label values of a
	// parked goroutine: under the secret keys token and api_key, and as the
	// password of a DSN under the innocent key db.
	LabelToken, LabelAPIKey, LabelDSN string
	// LabelPin is a label value under pin, a key that is secret only by
	// WithSecretKeys("pin").
	LabelPin string
	// FieldPW is a custom section's struct field DBPassword, tagged
	// json:"pw": its Go name is secret, its JSON name is not.
	FieldPW string
	// SlashA and SlashB are the two halves of a URL password with a raw
	// '/' in it, under the innocent key primary in custom section data:
	// postgres://app:A/B@db/app6.
	SlashA, SlashB string
	// Userinfo is the password of a *url.Userinfo under an innocent key in
	// custom section data, UserinfoValue that of a url.Userinfo value, and
	// URLPass that of a url.URL and a *url.URL beside them.
	Userinfo, UserinfoValue, URLPass string
	// RawJSON is under api_key in a json.RawMessage in custom section
	// data; DataErr the password of a URL in an error value there.
	RawJSON, DataErr string
	// ConfigPin is the Pin of WithConfig("app", ...), secret by
	// WithSecretKeys("pin").
	ConfigPin string
	// ConfigPW, ConfigSlashA/B, ConfigUserinfo and ConfigUserinfoValue
	// are the shapes of FieldPW, SlashA/B, Userinfo and UserinfoValue in a
	// WithConfig value, which the config section walks itself.
	ConfigPW, ConfigSlashA, ConfigSlashB, ConfigUserinfo, ConfigUserinfoValue string
	// TextWriter is written by custom data's WriteText as password=....
	TextWriter string
	// Trigger is in the value of a panic that ReportPanic reports: the
	// report's trigger, and the notice saying where the report went.
	Trigger string
	// OnReport is in the value the WithOnReport function panics with,
	// which gmr's notice quotes.
	OnReport string
	// FormatErr is in the error the dump formatter returns when it fails
	// (fail-format), which gmr's notice quotes.
	FormatErr string
}

func readCanaries(path string) (*canaries, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := &canaries{}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// parkLabelled parks two goroutines in labelledWorker, with the label
// canaries, until release is closed.
func (c *canaries) parkLabelled(release <-chan struct{}) {
	var ready sync.WaitGroup
	for _, labels := range []pprof.LabelSet{
		pprof.Labels("token", c.LabelToken, "api_key", c.LabelAPIKey, "db", "postgres://u:"+c.LabelDSN+"@h/x", "team", "payments"),
		pprof.Labels("pin", c.LabelPin, "team", "vault"),
	} {
		ready.Add(1)
		go pprof.Do(context.Background(), labels, func(context.Context) { labelledWorker(&ready, release) })
	}
	ready.Wait()
}

// labelledWorker blocks until release is closed, with its caller's labels.
//
//go:noinline
func labelledWorker(ready *sync.WaitGroup, release <-chan struct{}) {
	ready.Done()
	<-release
}

// canaryData is what the canarydata section returns: secrets in the shapes
// a naive walk of its fields would show.
type canaryData struct {
	User       string          `json:"user"`
	DBPassword string          `json:"pw"`
	Primary    string          `json:"primary"`
	Conn       *url.Userinfo   `json:"conn"`
	Info       url.Userinfo    `json:"info"`
	Link       url.URL         `json:"link"`
	LinkPtr    *url.URL        `json:"link_ptr"`
	Raw        json.RawMessage `json:"raw"`
	Cause      error           `json:"cause"`
}

// canaryText is custom data with its own text layout, which writes a
// secret as password=... .
type canaryText struct {
	Visible string `json:"visible"`
	secret  string
}

func (t canaryText) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "visible = %s\npassword=%s\n", t.Visible, t.secret)
	return err
}

// options returns the options that hide the canaries: the custom sections,
// the config value and the secret key pin, the OnReport function; with
// only, in WithOnlySections.
func (c *canaries) options(only bool) []gmr.Option {
	custom := []report.Section{
		report.Func("dial", func(context.Context) (any, error) {
			return nil, fmt.Errorf("dial postgres://app:%s@db/app: connection refused", c.SectionErr)
		}),
		report.Func("boom", func(ctx context.Context) (any, error) {
			// Labelled, so that with GODEBUG=tracebacklabels=1 the
			// panic's stack carries label canaries too.
			pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("token", c.LabelToken, "pin", c.LabelPin, "db", "postgres://u:"+c.LabelDSN+"@h/x")))
			panic("bad config: password=" + c.Panic)
		}),
		report.Func("canarydata", func(context.Context) (any, error) {
			return canaryData{
				User:       "app",
				DBPassword: c.FieldPW,
				Primary:    "postgres://app:" + c.SlashA + "/" + c.SlashB + "@db/app6",
				Conn:       url.UserPassword("app", c.Userinfo),
				Info:       *url.UserPassword("app", c.UserinfoValue),
				Raw:        json.RawMessage(`{"region":"eu","api_key":"` + c.RawJSON + `"}`),
				Cause:      fmt.Errorf("connect postgres://app:%s@db/app: timeout", c.DataErr),
				Link:       url.URL{Scheme: "https", User: url.UserPassword("app", c.URLPass), Host: "db", Path: "/link"},
				LinkPtr:    &url.URL{Scheme: "https", User: url.UserPassword("app", c.URLPass), Host: "db", Path: "/link-ptr"},
			}, nil
		}),
		report.Func("textwriter", func(context.Context) (any, error) {
			return canaryText{Visible: "textwriter-visible", secret: c.TextWriter}, nil
		}),
	}
	opts := []gmr.Option{
		gmr.WithSecretKeys("pin"),
		gmr.WithConfig("app", struct {
			Pin        string
			DBPassword string `json:"pw"`
			Primary    string
			Conn       *url.Userinfo
			Info       url.Userinfo
		}{
			Pin:        c.ConfigPin,
			DBPassword: c.ConfigPW,
			Primary:    "postgres://app:" + c.ConfigSlashA + "/" + c.ConfigSlashB + "@db/config6",
			Conn:       url.UserPassword("app", c.ConfigUserinfo),
			Info:       *url.UserPassword("app", c.ConfigUserinfoValue),
		}),
		gmr.WithOnReport(func(loc string, err error) {
			fmt.Println("reported", loc)
			panic("OnReport: api_key=" + c.OnReport)
		}),
	}
	if only {
		secs := append([]report.Section{sections.Config{}, sections.Environment{}}, custom...)
		return append(opts, gmr.WithOnlySections(append(secs, sections.Goroutines{})...))
	}
	return append(opts, gmr.WithSections(custom...))
}

// panicReport panics with a secret under ReportPanic, and recovers the
// panic that ReportPanic raises again once it has reported.
func panicReport(c *canaries) {
	secret := "none"
	if c != nil {
		secret = c.Trigger
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { recover() }() // ReportPanic panics again: the child goes on
		defer gmr.ReportPanic()
		panic("request failed: Authorization: Bearer " + secret)
	}()
	<-done
}

// writeReport writes a report with Reporter.WriteReport to the file path.
func writeReport(r *gmr.Reporter, path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	err = r.WriteReport(context.Background(), f)
	return errors.Join(err, f.Close())
}

// dumpFormatter is a third-party formatter that masks nothing: it writes
// everything it receives, so that a test can see that what it receives is
// already masked. With fail set, its next Format fails with an error
// quoting failWith.
type dumpFormatter struct {
	fail     atomic.Bool
	failWith string
}

func (*dumpFormatter) Name() string      { return "dump" }
func (*dumpFormatter) Extension() string { return "dump" }

func (f *dumpFormatter) Format(w io.Writer, r *report.Report) error {
	if f.fail.CompareAndSwap(true, false) {
		return fmt.Errorf("upload report to https://gmr:%s@reports.example/: 403 Forbidden", f.failWith)
	}
	fmt.Fprintf(w, "report %#v\n", r)
	fmt.Fprintf(w, "header %+v\n", r.Header)
	for _, s := range r.Sections {
		fmt.Fprintf(w, "section %s\n", s.Name)
		fmt.Fprintf(w, "data %%#v: %#v\n", s.Data)
		fmt.Fprintf(w, "data %%+v: %+v\n", s.Data)
		if b, err := json.Marshal(s.Data); err == nil {
			fmt.Fprintf(w, "data json: %s\n", b)
		}
		if s.Err != nil {
			fmt.Fprintf(w, "error: %s\nerror %%#v: %#v\n", s.Err.Error(), s.Err)
			for e := errors.Unwrap(s.Err); e != nil; e = errors.Unwrap(e) {
				fmt.Fprintf(w, "wrapped error: %s\n", e.Error())
			}
			var pe *report.PanicError
			if errors.As(s.Err, &pe) {
				fmt.Fprintf(w, "panic value: %#v\npanic stack:\n%s\n", pe.Value, pe.Stack)
			}
		}
		for _, line := range s.Text {
			fmt.Fprintf(w, "text: %s\n", line)
		}
		if tw, ok := s.Data.(report.TextWriter); ok {
			tw.WriteText(w) //nolint:errcheck // best effort
		}
		if d, ok := s.Data.(interface{ Profile() *profile.Profile }); ok && d.Profile() != nil {
			for _, smp := range d.Profile().Sample {
				fmt.Fprintf(w, "profile labels: %v\n", smp.Label)
			}
			fmt.Fprintf(w, "profile: %s\n", d.Profile().String())
		}
		if s.Note != "" {
			fmt.Fprintf(w, "note: %s\n", s.Note)
		}
	}
	return nil
}
