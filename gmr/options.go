package gmr

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/sections"
)

// Environment variables an operator can set to change gmr without a rebuild.
// An explicit Option wins over the environment, which wins over the default.
const (
	// EnvDir names a directory to write report files to, instead of stderr.
	EnvDir = "GMR_DIR"
	// EnvFormat selects the report format by name: "text", "json", "jsonl"
	// (the report on one line) or "jsonl-sections" (one line per section).
	EnvFormat = "GMR_FORMAT"
	// EnvSignal selects the trigger signal by name: "USR2", "SIGUSR1", ...
	EnvSignal = "GMR_SIGNAL"
	// EnvTriggerFile names a file whose modification triggers a report.
	EnvTriggerFile = "GMR_TRIGGER_FILE"
	// EnvAllowlist names the only environment variables the environment
	// section shows, separated by commas: "HOME,LANG,GMR_*".
	EnvAllowlist = "GMR_ENV_ALLOW"
	// EnvMaxLine bounds, in bytes with the newline, each line of the
	// one-line formats ("jsonl-sections"): "8000" for rsyslog's default
	// 8 KiB messages. Default: formatters.DefaultMaxLine, 16 KiB.
	EnvMaxLine = "GMR_MAX_LINE"
	// EnvLeakProfile, set to "1" or "true", makes the built-in goroutine
	// section read the goroutine leak profile where the runtime offers it
	// (sections.Goroutines.LeakProfile), at the cost of a GC cycle.
	EnvLeakProfile = "GMR_LEAK_PROFILE"
)

// Defaults for the limits a Reporter works within. Each can be changed by an
// option.
const (
	// DefaultTimeout is how long a whole report may take (WithTimeout).
	DefaultTimeout = 10 * time.Second
	// DefaultSectionTimeout is how long one section may take
	// (WithSectionTimeout).
	DefaultSectionTimeout = 5 * time.Second
	// PerGoroutine is how much longer the goroutine section may take, and
	// with it the report, for each goroutine the program has, unless
	// WithSectionTimeout or WithTimeout is given: the goroutine profile
	// costs CPU time in proportion to the goroutine count, and this allows
	// about twice its cost on a small machine, so that a program with a
	// million goroutines (15 s) still gets its goroutine section.
	PerGoroutine = 10 * time.Microsecond
	// DefaultMinInterval is the least time between the starts of two
	// triggered reports (WithMinInterval).
	DefaultMinInterval = time.Second
	// DefaultMaxReports and DefaultMaxBytes bound the report files kept in
	// the report directory (WithRetention).
	DefaultMaxReports = 50
	DefaultMaxBytes   = 256 << 20
	// DefaultPollInterval is how often the trigger file is checked
	// (WithTriggerFile).
	DefaultPollInterval = time.Second
)

// An Option configures a Reporter. Options are applied in order; a later
// option overrides an earlier one of the same kind.
type Option func(*settings) error

// settings is the resolved configuration of a Reporter.
type settings struct {
	service, version string

	signal    os.Signal // nil: none (WithoutSignal, or no signals on this system)
	signalSet bool
	noSignal  bool

	dir    string
	dirSet bool

	format    formatters.Formatter
	formatSet bool

	extra        []report.Section
	without      map[string]bool
	withoutOrder []string // as given, for the error on an unknown name
	replace      []report.Section
	replaced     bool

	flagSets    []*flag.FlagSet
	flags       []any // WithFlags
	configs     map[string]any
	secretFlags []string
	secretKeys  []string
	envAllow    []string // nil: no allowlist
	leakProfile bool     // GMR_LEAK_PROFILE
	maxLine     int      // 0: the format's default

	timeout           time.Duration
	timeoutSet        bool // by WithTimeout: not scaled with the goroutine count
	sectionTimeout    time.Duration
	sectionTimeoutSet bool // by WithSectionTimeout
	minInterval       time.Duration
	maxReports        int
	maxBytes          int64
	triggerFile       string
	pollInterval      time.Duration
	watch             watchSettings // threshold reports (watch.go)
	noCrashOutput     bool
	noProfiles        bool
	stderr            io.Writer
	logger            *slog.Logger
	onReport          func(location string, err error)
	getenv            func(string) string

	// Watchdogs and the flight recorder (shutdown.go, flight.go).
	shutdownAfter  time.Duration // 0: no shutdown watchdog
	shutdownSet    bool          // by WithShutdownReport, or turned off by an invalid GMR_SHUTDOWN_REPORT_AFTER
	flightAge      time.Duration // 0: no flight recorder
	flightMaxBytes uint64        // 0: DefaultFlightRecorderMaxBytes
	flightSet      bool          // by WithFlightRecorder
}

// WithService sets the service name shown in the report header and used in
// report file names. Default: the base name of the executable.
func WithService(name string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(name) == "" {
			return errors.New("gmr: WithService: empty service name")
		}
		s.service = name
		return nil
	}
}

// WithVersion sets the service version shown in the report. Default: the
// main module's version from the build info, when there is one.
func WithVersion(version string) Option {
	return func(s *settings) error {
		s.version = version
		return nil
	}
}

// WithSignal sets the signal that triggers a report. Default: SIGUSR2, or
// GMR_SIGNAL. SIGKILL and SIGSTOP cannot be caught and give an error, as do
// SIGINT and SIGTERM, which services need for shutting down.
func WithSignal(sig os.Signal) Option {
	return func(s *settings) error {
		if err := checkSignal(sig); err != nil {
			return fmt.Errorf("gmr: WithSignal: %w", err)
		}
		s.signal, s.signalSet, s.noSignal = sig, true, false
		return nil
	}
}

// WithoutSignal makes Setup install no signal handler; reports are then made
// only through the Reporter's methods.
func WithoutSignal() Option {
	return func(s *settings) error {
		s.signal, s.signalSet, s.noSignal = nil, true, true
		return nil
	}
}

// WithDir makes reports go to files in dir instead of stderr. The directory is
// created with mode 0700 if it does not exist. Default: stderr, or GMR_DIR.
func WithDir(dir string) Option {
	return func(s *settings) error {
		if dir == "" {
			return errors.New("gmr: WithDir: empty directory name")
		}
		s.dir, s.dirSet = dir, true
		return nil
	}
}

// WithFormatter sets the report format. Default: formatters.Text, or the
// format GMR_FORMAT names.
func WithFormatter(f formatters.Formatter) Option {
	return func(s *settings) error {
		if f == nil {
			return errors.New("gmr: WithFormatter: nil formatter")
		}
		s.format, s.formatSet = f, true
		return nil
	}
}

// MinMaxLine is the least line bound WithMaxLine and GMR_MAX_LINE accept,
// the least a syslog receiver must take (RFC 5424): a typical header, with
// the profiles written beside the report, is some 700 bytes, and below
// this bound it is shortened to half the line, profile names and all, or
// leaves a section split into parts no room for its data.
const MinMaxLine = 2048

// WithMaxLine bounds each line of the per-section one-line format
// ("jsonl-sections"), in bytes with the newline: a section too big for one
// line is split into several complete records. Default:
// formatters.DefaultMaxLine (16 KiB, what Docker and Kubernetes' CRI pass
// whole), or GMR_MAX_LINE. It has no effect on other formats.
func WithMaxLine(n int) Option {
	return func(s *settings) error {
		if n < MinMaxLine {
			return fmt.Errorf("gmr: WithMaxLine: %d is below the least bound, %d bytes", n, MinMaxLine)
		}
		s.maxLine = n
		return nil
	}
}

// WithFormat sets the report format by name, as GMR_FORMAT does.
func WithFormat(name string) Option {
	return func(s *settings) error {
		f, err := formatterByName(name)
		if err != nil {
			return fmt.Errorf("gmr: WithFormat: %w", err)
		}
		s.format, s.formatSet = f, true
		return nil
	}
}

// WithSections adds sections after the built-in ones, in the order given. A
// section named as a built-in one ("goroutines", say) replaces it in its
// place, which is how a built-in section is tuned:
//
//	gmr.WithSections(sections.Goroutines{DetailMax: 5000})
//
// The options' settings (WithConfig, WithFlagSet, WithEnvironmentAllowlist,
// the secret settings) still apply to it. Names must be unique and not
// empty: New reports a repeated or empty name as an error.
func WithSections(secs ...report.Section) Option {
	return func(s *settings) error {
		for i, sec := range secs {
			if sec == nil {
				return fmt.Errorf("gmr: WithSections: section %d is nil", i)
			}
		}
		s.extra = append(s.extra, secs...)
		return nil
	}
}

// WithoutSections drops built-in sections by name ("package", "config",
// "environment", "goroutines", "threads", "process", "heap"). New reports a
// name that is not one of them as an error.
func WithoutSections(names ...string) Option {
	return func(s *settings) error {
		if s.without == nil {
			s.without = make(map[string]bool)
		}
		for _, n := range names {
			s.without[n] = true
			s.withoutOrder = append(s.withoutOrder, n)
		}
		return nil
	}
}

// WithOnlySections replaces the built-in sections and any added ones with
// exactly secs, in order. Every other option still applies: built-in
// sections among secs get the settings of WithConfig, WithFlagSet,
// WithEnvironmentAllowlist, WithService and WithVersion where they leave
// them unset, and every section's data is masked with WithSecretKeys and
// WithSecretFlags.
func WithOnlySections(secs ...report.Section) Option {
	return func(s *settings) error {
		for i, sec := range secs {
			if sec == nil {
				return fmt.Errorf("gmr: WithOnlySections: section %d is nil", i)
			}
		}
		s.replace, s.replaced = secs, true
		s.extra = nil
		return nil
	}
}

// WithConfig registers a configuration value (a struct, a map, or a pointer
// to one) to show in the config section under name. Secrets in it are masked:
// see the config section's documentation for the rules.
func WithConfig(name string, value any) Option {
	return func(s *settings) error {
		if name == "" {
			return errors.New("gmr: WithConfig: empty name")
		}
		if s.configs == nil {
			s.configs = make(map[string]any)
		}
		s.configs[name] = value
		return nil
	}
}

// WithFlagSet shows fs in the config section in addition to
// flag.CommandLine.
func WithFlagSet(fs *flag.FlagSet) Option {
	return func(s *settings) error {
		if fs == nil {
			return errors.New("gmr: WithFlagSet: nil flag set")
		}
		s.flagSets = append(s.flagSets, fs)
		return nil
	}
}

// WithSecretFlags marks flags whose values must be masked, in the flag
// listing and on the command line, in addition to those whose names the
// redaction rules already treat as secret.
func WithSecretFlags(names ...string) Option {
	return func(s *settings) error {
		s.secretFlags = append(s.secretFlags, names...)
		return nil
	}
}

// WithSecretKeys adds key patterns to the redaction rules: a key any of whose
// words matches one of these, case-insensitively, has its value masked.
func WithSecretKeys(patterns ...string) Option {
	return func(s *settings) error {
		s.secretKeys = append(s.secretKeys, patterns...)
		return nil
	}
}

// WithEnvironmentAllowlist makes the environment section show only the
// variables named, still with secrets masked, and count the others. A name
// ending in "*" stands for every variable whose name starts with the rest:
// "GMR_*". With no names, no variable is shown. Default: every variable, or
// the comma-separated names in GMR_ENV_ALLOW.
func WithEnvironmentAllowlist(names ...string) Option {
	return func(s *settings) error {
		s.envAllow = append([]string{}, names...)
		return nil
	}
}

// WithTimeout sets how long a report waits for its sections. A section that
// is not done by then is shown as timed out; the report is written anyway.
// Default: DefaultTimeout, or more for a program with many goroutines (see
// PerGoroutine).
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("gmr: WithTimeout: %v is not positive", d)
		}
		s.timeout, s.timeoutSet = d, true
		return nil
	}
}

// WithSectionTimeout sets how long one section may take. A section that
// overruns is shown as timed out, with what it returned by then if it returns
// promptly once its context is done. Default: DefaultSectionTimeout, and never
// more than the report's timeout; the goroutine section gets PerGoroutine
// more for each goroutine.
func WithSectionTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("gmr: WithSectionTimeout: %v is not positive", d)
		}
		s.sectionTimeout, s.sectionTimeoutSet = d, true
		return nil
	}
}

// WithMinInterval sets the least time between the starts of two reports
// made by a trigger (signal or file), and between two heartbeat reports
// (Heartbeat). Triggers that come sooner are folded
// into one report made when the interval has passed. Reporter.Report and
// WriteReport are not limited. Zero means no limit. Default:
// DefaultMinInterval.
func WithMinInterval(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("gmr: WithMinInterval: %v is negative", d)
		}
		s.minInterval = d
		return nil
	}
}

// WithRetention bounds the report files kept in the report directory: after
// each report, the oldest of this service's reports (with their profiles and
// crash files) are removed until at most maxReports remain and they take at
// most maxBytes. Zero means no limit for that bound. Files whose names gmr
// did not make for this service are never touched. Default:
// DefaultMaxReports and DefaultMaxBytes.
func WithRetention(maxReports int, maxBytes int64) Option {
	return func(s *settings) error {
		if maxReports < 0 || maxBytes < 0 {
			return fmt.Errorf("gmr: WithRetention: negative bound (%d reports, %d bytes)", maxReports, maxBytes)
		}
		s.maxReports, s.maxBytes = maxReports, maxBytes
		return nil
	}
}

// WithTriggerFile makes a report each time the file at path is created or
// its modification time changes (touch it), as oslo.reports' file event
// handler does. It is for systems where signals are awkward, such as
// Windows. The file is checked every poll interval with one stat call; zero
// means DefaultPollInterval. Default: no trigger file, or GMR_TRIGGER_FILE.
func WithTriggerFile(path string, poll time.Duration) Option {
	return func(s *settings) error {
		if path == "" {
			return errors.New("gmr: WithTriggerFile: empty path")
		}
		if poll < 0 {
			return fmt.Errorf("gmr: WithTriggerFile: negative poll interval %v", poll)
		}
		if poll == 0 {
			poll = DefaultPollInterval
		}
		s.triggerFile, s.pollInterval = path, poll
		return nil
	}
}

// WithoutProfiles stops a report written to a directory from having the
// goroutine and heap profiles written beside it. By default they are: the
// report bounds what it shows (64 goroutine groups, 64 frames each), while
// the profiles hold every stack and allocation site for `go tool pprof`.
// They cost about as much as the goroutine section again (the goroutine
// profile is collected concurrently, without stopping the world for the
// dump) and a few kilobytes to a few megabytes of disk per report.
func WithoutProfiles() Option {
	return func(s *settings) error {
		s.noProfiles = true
		return nil
	}
}

// WithoutCrashOutput stops Setup from sending the runtime's fatal error
// output to a crash file in the report directory (see Setup).
func WithoutCrashOutput() Option {
	return func(s *settings) error {
		s.noCrashOutput = true
		return nil
	}
}

// WithStderr sets where reports without a directory are written, and, unless
// WithLogger is given, gmr's one-line notices too. Default: os.Stderr. With
// WithLogger, the notices go to the logger and only reports go to w.
//
// A Write to w that blocks (a pipe whose reader stopped reading) does not
// block gmr: each write waits at most the report timeout (WithTimeout), and
// then the report is an error, given to the WithOnReport function and the
// WithLogger logger. The blocked Write keeps running, holding its one
// report; until it returns, later reports and notices for w are dropped at
// once, each an error saying so, never queued.
func WithStderr(w io.Writer) Option {
	return func(s *settings) error {
		if w == nil {
			return errors.New("gmr: WithStderr: nil writer")
		}
		s.stderr = w
		return nil
	}
}

// WithLogger sends gmr's own notices to l instead of stderr: one record
// for each report written to the report directory (Info, "report (TRIGGER)
// written to PATH in D"), one for each ignored GMR_* variable and each
// fallback to stderr or to the text format (Warn), and one for each failure,
// such as a report or profile that could not be written (Error). Reports
// themselves still go to the report directory, or to stderr (WithStderr).
//
// Every record carries gmr=true, and, as it applies, these attributes:
// location (a report file's path, or "stderr"), trigger, duration_ms,
// goroutines (from the report's goroutine section), top_finding (omitted
// while empty), error, variable (the GMR_* name), dir, profile, formatter
// and panic. The message and every attribute are masked as the report is.
// The handler is called on the reporting goroutine, under the report lock:
// it should not block.
//
// Without WithLogger, each notice is one line on stderr: "gmr: MESSAGE" for
// the text format, and, when the format is json, jsonl or jsonl-sections,
// one JSON object, as slog.JSONHandler writes it:
// {"time":...,"level":"INFO","msg":...,"gmr":true,...}.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		if l == nil {
			return errors.New("gmr: WithLogger: nil logger")
		}
		s.logger = l
		return nil
	}
}

// WithOnReport sets a function called after each report made by a trigger
// or by Reporter.Report, with where the report went and any error. It runs on
// the reporting goroutine, after the report is done: it should return
// quickly. It may call Report, but not Stop: Stop waits for the goroutine
// that runs it. A panic in it is recovered.
func WithOnReport(fn func(location string, err error)) Option {
	return func(s *settings) error {
		s.onReport = fn
		return nil
	}
}

// withGetenv replaces os.Getenv in tests.
func withGetenv(getenv func(string) string) Option {
	return func(s *settings) error {
		s.getenv = getenv
		return nil
	}
}

// envError is a warning about a GMR_* variable: its error says which
// variable, name names it for the notice's attributes.
type envError struct {
	name string
	err  error
}

func (e *envError) Error() string { return e.err.Error() }
func (e *envError) Unwrap() error { return e.err }

// envWarning returns err as a warning about the variable name.
func envWarning(name string, err error) error { return &envError{name: name, err: err} }

// resolve applies opts, then the environment where no option was given, then
// defaults. Errors in options are returned; errors in the environment are
// operator mistakes that must not disable reports, so they are returned as
// warnings and the default is used instead.
func resolve(opts []Option) (s *settings, warnings []error, err error) {
	s = &settings{
		getenv:         os.Getenv,
		stderr:         os.Stderr,
		timeout:        DefaultTimeout,
		sectionTimeout: DefaultSectionTimeout,
		minInterval:    DefaultMinInterval,
		maxReports:     DefaultMaxReports,
		maxBytes:       DefaultMaxBytes,
		pollInterval:   DefaultPollInterval,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(s); err != nil {
			return nil, nil, err
		}
	}
	if s.service == "" {
		s.service = defaultService()
	}
	if !s.formatSet {
		s.format = formatters.Text{}
		if name := s.getenv(EnvFormat); name != "" {
			f, err := formatterByName(name)
			if err != nil {
				warnings = append(warnings, envWarning(EnvFormat, fmt.Errorf("%s=%q: %w; using %q", EnvFormat, name, err, s.format.Name())))
			} else {
				s.format = f
			}
		}
	}
	if !s.dirSet {
		s.dir = s.getenv(EnvDir)
	}
	if v := strings.TrimSpace(s.getenv(EnvMaxLine)); v != "" && s.maxLine == 0 {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			warnings = append(warnings, envWarning(EnvMaxLine, fmt.Errorf("%s=%q: not a number of bytes; using the default", EnvMaxLine, v)))
		case n <= 0:
			warnings = append(warnings, envWarning(EnvMaxLine, fmt.Errorf("%s=%q: not positive; using the default", EnvMaxLine, v)))
		case n < MinMaxLine:
			warnings = append(warnings, envWarning(EnvMaxLine, fmt.Errorf("%s=%q: below the least bound; using %d bytes", EnvMaxLine, v, MinMaxLine)))
			s.maxLine = MinMaxLine
		default:
			s.maxLine = n
		}
	}
	if jl, ok := s.format.(formatters.JSONLines); ok && s.maxLine > 0 && jl.MaxLine == 0 {
		jl.MaxLine = s.maxLine
		s.format = jl
	}
	if s.envAllow == nil {
		if v := s.getenv(EnvAllowlist); strings.TrimSpace(v) != "" {
			s.envAllow = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
			if s.envAllow == nil {
				s.envAllow = []string{} // only separators: show none
			}
		}
	}
	if s.triggerFile == "" {
		s.triggerFile = s.getenv(EnvTriggerFile)
	}
	if v := strings.TrimSpace(s.getenv(EnvLeakProfile)); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			warnings = append(warnings, envWarning(EnvLeakProfile, fmt.Errorf("%s=%q: not a boolean; the leak profile stays off", EnvLeakProfile, v)))
		}
		s.leakProfile = on
	}
	s.resolveWatch(&warnings)
	warnings = s.resolveWatchdogs(warnings)
	if !s.signalSet {
		s.signal = defaultSignal
		if name := s.getenv(EnvSignal); name != "" {
			sig, err := parseSignal(name)
			if err == nil {
				err = checkSignal(sig)
			}
			if err != nil {
				warnings = append(warnings, envWarning(EnvSignal, fmt.Errorf("%s=%q: %w; using the default", EnvSignal, name, err)))
			} else {
				s.signal = sig
			}
		}
	}
	return s, warnings, nil
}

// formats lists the formats GMR_FORMAT and WithFormat accept.
var formats = []formatters.Formatter{
	formatters.Text{},
	formatters.JSON{},
	formatters.JSONLines{},
	formatters.JSONLines{PerSection: true},
}

// FormatNames returns the names GMR_FORMAT and WithFormat accept.
func FormatNames() []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.Name()
	}
	return names
}

func formatterByName(name string) (formatters.Formatter, error) {
	names := make([]string, len(formats))
	for i, f := range formats {
		if strings.EqualFold(f.Name(), strings.TrimSpace(name)) {
			return f, nil
		}
		names[i] = f.Name()
	}
	return nil, fmt.Errorf("unknown format %q (known: %s)", name, strings.Join(names, ", "))
}

func defaultService() string {
	if len(os.Args) > 0 && os.Args[0] != "" {
		name := filepath.Base(os.Args[0])
		return strings.TrimSuffix(name, filepath.Ext(name))
	}
	return "service"
}

// maxSectionName is the longest section name New accepts: a name is a
// title, repeated in every jsonl-sections record.
const maxSectionName = 64

// builtinSections returns the built-in sections, in their order, as their
// zero values: settings fills them in (tune).
func builtinSections() []report.Section {
	return []report.Section{
		sections.Findings{},
		sections.Goroutines{},
		sections.Threads{},
		sections.Process{},
		sections.Heap{},
		sections.Config{},
		sections.Package{},
		sections.Environment{},
	}
}

// sections returns the report's sections, in order: the built-in ones less
// those WithoutSections drops, each replaced in its place by an added
// section of the same name, then the other added sections; or exactly those
// of WithOnlySections. Every built-in section in the list, however it got
// there, gets the settings of the options (tune). A name that WithoutSections
// does not know, and an empty or repeated section name, is an error that
// lists the names known.
func (s *settings) sections() ([]report.Section, error) {
	builtin := builtinSections()
	known := make([]string, len(builtin))
	for i, sec := range builtin {
		known[i] = sec.Name()
	}
	var list []report.Section
	if s.replaced {
		list = slices.Clone(s.replace)
	} else {
		for _, name := range s.withoutOrder {
			if !slices.Contains(known, name) {
				return nil, fmt.Errorf("gmr: WithoutSections: unknown section %q (known: %s)", name, strings.Join(known, ", "))
			}
		}
		for _, sec := range builtin {
			if !s.without[sec.Name()] {
				list = append(list, sec)
			}
		}
		added := len(list)
		for _, sec := range s.extra {
			name := sectionName(sec)
			i := slices.IndexFunc(list[:added], func(b report.Section) bool { return b.Name() == name })
			if i >= 0 { // list[:added] holds only built-in sections
				list[i] = sec // replaces the built-in in its place
				continue
			}
			list = append(list, sec)
		}
	}
	seen := make(map[string]bool, len(list))
	for _, sec := range list {
		name := sectionName(sec)
		switch {
		case strings.TrimSpace(name) == "" || name == "<unnamed>":
			return nil, fmt.Errorf("gmr: a section (%T) has an empty name (built-in names: %s)", sec, strings.Join(known, ", "))
		case len(name) > maxSectionName || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
			return nil, fmt.Errorf("gmr: section name %.80q is over %d bytes or holds unprintable characters: a name is a short title", name, maxSectionName)
		case seen[name]:
			return nil, fmt.Errorf("gmr: two sections are named %q; a section replaces a built-in one of the same name, but added sections must have unique names (built-in names: %s)", name, strings.Join(known, ", "))
		}
		seen[name] = true
	}
	for i, sec := range list {
		list[i] = s.tune(sec)
	}
	return list, nil
}

// tune returns sec with the options' settings in the fields it leaves
// unset, when it is a built-in section: the service's name and version, the
// flag sets and configuration values, the environment allowlist,
// GMR_LEAK_PROFILE, and the watched thresholds. Any other
// section is returned as it is. A section given by pointer is copied, never
// changed.
func (s *settings) tune(sec report.Section) report.Section {
	switch v := sec.(type) {
	case sections.Package:
		return s.tunePackage(v)
	case *sections.Package:
		p := s.tunePackage(*v)
		return &p
	case sections.Config:
		return s.tuneConfig(v)
	case *sections.Config:
		c := s.tuneConfig(*v)
		return &c
	case sections.Environment:
		return s.tuneEnvironment(v)
	case *sections.Environment:
		e := s.tuneEnvironment(*v)
		return &e
	case sections.Findings:
		return s.tuneFindings(v)
	case *sections.Findings:
		f := s.tuneFindings(*v)
		return &f
	case sections.Goroutines:
		v.LeakProfile = v.LeakProfile || s.leakProfile
		return v
	case *sections.Goroutines:
		g := *v
		g.LeakProfile = g.LeakProfile || s.leakProfile
		return &g
	}
	return sec
}

func (s *settings) tunePackage(p sections.Package) sections.Package {
	if p.Service == "" {
		p.Service = s.service
	}
	if p.Version == "" {
		p.Version = s.version
	}
	return p
}

func (s *settings) tuneConfig(c sections.Config) sections.Config {
	if len(c.FlagSets) == 0 && len(c.Flags) == 0 {
		c.FlagSets = s.flagSetsOrDefault()
		if len(s.flags) > 0 && len(c.FlagSets) == 0 {
			c.FlagSets = []*flag.FlagSet{flag.CommandLine}
		}
		c.Flags = s.flags
	}
	if len(s.configs) > 0 {
		values := maps.Clone(s.configs)
		maps.Copy(values, c.Values) // the section's own win
		c.Values = values
	}
	return c
}

func (s *settings) tuneEnvironment(e sections.Environment) sections.Environment {
	if e.Allow == nil {
		e.Allow = s.envAllow
	}
	return e
}

func (s *settings) flagSetsOrDefault() []*flag.FlagSet {
	if len(s.flagSets) == 0 {
		return nil
	}
	return append([]*flag.FlagSet{flag.CommandLine}, s.flagSets...)
}

// EnvShutdownReportAfter arms the shutdown watchdog: "30s" writes one report
// if the process is still running 30 seconds after SIGTERM or SIGINT
// (WithShutdownReport). Default: off.
const EnvShutdownReportAfter = "GMR_SHUTDOWN_REPORT_AFTER"

// EnvFlightRecorder turns on the flight recorder: "10s" keeps about the last
// ten seconds of execution trace in memory, and writes it beside every
// report written to the report directory (WithFlightRecorder). Default: off.
const EnvFlightRecorder = "GMR_FLIGHT_RECORDER"

// DefaultFlightRecorderMaxBytes bounds the flight recorder's window when
// WithFlightRecorder gives no bound, or GMR_FLIGHT_RECORDER sets the age:
// 10 MiB, the runtime's own default. The window is held in memory, and a
// trace file may take up to twice the bound.
const DefaultFlightRecorderMaxBytes = 10 << 20

// WithShutdownReport arms the shutdown watchdog, which Setup installs: if
// the process is still running after the given time once it got SIGTERM or
// SIGINT, one report is written, with the trigger "shutdown watchdog: still
// running 30s after SIGTERM". It never delays or changes the service's own
// handling of those signals: gmr listens for the first one only, and when
// the service has no handler of its own (it would have exited), gmr raises
// the signal again with nothing listening, so the process exits by it as
// before. To tell the two apart it reads os/signal's count of registered
// channels, which it finds through the executable's symbol table (Linux
// only); where it cannot (other systems, a binary built with -ldflags=-s),
// the signal-driven watchdog stays off, with one notice, and the service can
// call Reporter.ShutdownStarted instead, which arms the same watchdog with
// this time. Zero turns both off, over GMR_SHUTDOWN_REPORT_AFTER. Default:
// off, or GMR_SHUTDOWN_REPORT_AFTER.
func WithShutdownReport(after time.Duration) Option {
	return func(s *settings) error {
		if after < 0 {
			return fmt.Errorf("gmr: WithShutdownReport: %v is negative", after)
		}
		s.shutdownAfter, s.shutdownSet = after, true
		return nil
	}
}

// WithFlightRecorder turns on the flight recorder (runtime/trace's
// FlightRecorder): Setup starts it, and it keeps at least the last age of
// execution trace in memory, within about maxBytes (0:
// DefaultFlightRecorderMaxBytes; the bound wins over the age). Each report
// written to the report directory gets the window as <stem>.trace beside
// it, which `go tool trace` opens, and names it in its header. A report on
// stderr gets none, and says so. Zero age turns it off, over
// GMR_FLIGHT_RECORDER. Default: off, or GMR_FLIGHT_RECORDER.
//
// The trace file is the runtime's own bytes, which gmr cannot mask: it
// holds function names, file paths, goroutine and thread ids and timings,
// and, as they are, the strings the service gives trace.Log,
// trace.NewTask and trace.StartRegion (not pprof labels). A trace in which
// the masking rules find a secret, or a bare name they call secret (the
// category of trace.Log(ctx, "db_password", pw)), is withheld, and the
// header says so. A
// trace costs the running service CPU time (see the README's figures).
func WithFlightRecorder(age time.Duration, maxBytes uint64) Option {
	return func(s *settings) error {
		if age < 0 {
			return fmt.Errorf("gmr: WithFlightRecorder: age %v is negative", age)
		}
		s.flightAge, s.flightMaxBytes, s.flightSet = age, maxBytes, true
		return nil
	}
}

// resolveWatchdogs reads GMR_SHUTDOWN_REPORT_AFTER and GMR_FLIGHT_RECORDER
// where no option set them, and returns warnings with those it ignored.
func (s *settings) resolveWatchdogs(warnings []error) []error {
	if !s.shutdownSet {
		d, err := envDuration(s.getenv, EnvShutdownReportAfter)
		if err != nil {
			warnings = append(warnings, envWarning(EnvShutdownReportAfter, fmt.Errorf("%w; the shutdown watchdog stays off", err)))
			s.shutdownSet = true // off, for ShutdownStarted too, as the warning says
		}
		s.shutdownAfter = d
	}
	if !s.flightSet {
		d, err := envDuration(s.getenv, EnvFlightRecorder)
		if err != nil {
			warnings = append(warnings, envWarning(EnvFlightRecorder, fmt.Errorf("%w; the flight recorder stays off", err)))
		}
		s.flightAge = d
	}
	if s.flightAge > 0 && s.flightMaxBytes == 0 {
		s.flightMaxBytes = DefaultFlightRecorderMaxBytes
	}
	return warnings
}

// envDuration parses the variable name as a positive duration, "30s"; an
// unset or empty variable is zero. An invalid one is zero and an error.
func envDuration(getenv func(string) string, name string) (time.Duration, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%s=%q: not a duration such as \"30s\"", name, v)
	case d <= 0:
		return 0, fmt.Errorf("%s=%q: not positive", name, v)
	}
	return d, nil
}

// WithFlags shows the flags of sets in the config section, after those of
// flag.CommandLine and WithFlagSet: each a *flag.FlagSet, a *pflag.FlagSet,
// a *cobra.Command (the command that is running is shown, with the
// persistent flags of its parents), a *kingpin.Application, an urfave/cli
// v3 *cli.Command or an urfave/cli v2 *cli.Context. gmr imports none of
// these libraries: it reads them by reflection on their documented
// exported fields and methods (see sections.CheckFlags). Setup returns an
// error for a value of any other type, or a nil one.
func WithFlags(sets ...any) Option {
	return func(s *settings) error {
		for i, set := range sets {
			if err := sections.CheckFlags(set); err != nil {
				return fmt.Errorf("gmr: WithFlags: flag set %d: %w", i, err)
			}
		}
		s.flags = append(s.flags, sets...)
		return nil
	}
}
