// Command gmr is the operator's tool for Guru Meditation Reports: it asks a
// running gmr service for a report and prints it, lists the reports in a
// directory, compares two reports of one service, and renders a JSON report
// as text or as one offline HTML page.
//
// Usage:
//
//	gmr dump [--format=F] [--timeout=D] PID
//	gmr ls [--json] DIR
//	gmr diff [--json] [--top=N] OLD NEW
//	gmr view [--html] [-o FILE] REPORT.json
//
// Install it with
//
//	go install github.com/gmr-go/gmr/cmd/gmr@latest
//
// As the go command's tools do, gmr exits with 0 when it did what was asked,
// 1 when it failed, and 2 on a usage error; "gmr help COMMAND" and
// "gmr COMMAND --help" describe each command.
//
// gmr dump works on Linux, where it reads /proc. It signals a process only
// when it knows which signal the process listens for: from the marker that
// gmr.Setup writes ($XDG_RUNTIME_DIR/gmr/<pid>.json, else
// $TMPDIR/gmr-<uid>/<pid>.json) or from GMR_SIGNAL in the process's
// environment. It never signals a process that is not built with gmr.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// command is one of gmr's subcommands.
type command struct {
	name  string
	args  string // the usage line's arguments
	short string // one line for the command list
	long  string // the help text, after the usage line
	run   func(env *env, fs *flag.FlagSet, args []string) error
	flags func(fs *flag.FlagSet) // defines the command's flags
}

// env is what a command reads and writes: os.Stdout and os.Stderr, except
// in tests.
type env struct {
	stdout, stderr io.Writer
}

// errUsage is returned by a command whose arguments are wrong; main prints
// the command's usage and exits with 2.
var errUsage = errors.New("usage")

// usageError is an errUsage with a message.
func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

func commands() []*command {
	return []*command{dumpCommand(), lsCommand(), diffCommand(), viewCommand()}
}

func main() {
	os.Exit(run(&env{stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
}

// run runs gmr with args and returns the exit code.
func run(e *env, args []string) int {
	if len(args) == 0 {
		mainUsage(e.stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := find(args[1]); c != nil {
				commandUsage(e.stdout, c, newFlagSet(c))
				return 0
			}
			fmt.Fprintf(e.stderr, "gmr help %s: unknown command\n", args[1])
			return 2
		}
		mainUsage(e.stdout)
		return 0
	}
	c := find(name)
	if c == nil {
		fmt.Fprintf(e.stderr, "gmr %s: unknown command\nRun 'gmr help' for usage.\n", name)
		return 2
	}
	fs := newFlagSet(c)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(e.stdout, c, fs)
			return 0
		}
		fmt.Fprintf(e.stderr, "gmr %s: %v\n", c.name, err)
		commandUsage(e.stderr, c, fs)
		return 2
	}
	if err := c.run(e, fs, fs.Args()); err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprintf(e.stderr, "gmr %s: %s\n", c.name, strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
			commandUsage(e.stderr, c, fs)
			return 2
		}
		fmt.Fprintf(e.stderr, "gmr %s: %v\n", c.name, err)
		return 1
	}
	return 0
}

func find(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

func newFlagSet(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("gmr "+c.name, flag.ContinueOnError)
	if c.flags != nil {
		c.flags(fs)
	}
	return fs
}

func mainUsage(w io.Writer) {
	fmt.Fprint(w, "gmr is the operator's tool for Guru Meditation Reports.\n\nUsage:\n\n\tgmr <command> [arguments]\n\nThe commands are:\n\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "\t%-6s %s\n", c.name, c.short)
	}
	fmt.Fprint(w, "\nUse \"gmr help <command>\" for more information about a command.\n")
}

func commandUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: gmr %s %s\n\n%s", c.name, c.args, c.long)
	var any bool
	fs.VisitAll(func(*flag.Flag) { any = true })
	if any {
		fmt.Fprint(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// cmpOr returns the first of ss that is not "".
func cmpOr(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
