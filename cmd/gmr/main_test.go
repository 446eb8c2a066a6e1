package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Binaries built once by TestMain: the tool and, on Unix, the test
// programs of testdata/cmdgmr.
var gmrBin, svcBin, svcStrippedBin, nogmrBin, plainBin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gmr-cmd-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "make temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	exe := ""
	if runtime.GOOS == "windows" {
		exe = ".exe"
	}
	gmrBin = filepath.Join(dir, "gmr"+exe)
	builds := [][]string{{gmrBin, "."}}
	if runtime.GOOS != "windows" {
		svcBin, nogmrBin = filepath.Join(dir, "svc"), filepath.Join(dir, "nogmr")
		svcStrippedBin = filepath.Join(dir, "svc-stripped")
		builds = append(builds, []string{svcBin, "../../testdata/cmdgmr/svc"}, []string{nogmrBin, "../../testdata/cmdgmr/nogmr"},
			[]string{svcStrippedBin, "../../testdata/cmdgmr/svc", "-ldflags=-s -w"})
	}
	for _, b := range builds {
		if out, err := exec.Command("go", append([]string{"build", "-o", b[0]}, append(b[2:], b[1])...)...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", b[1], err, out)
			return 1
		}
	}
	if nogmrBin != "" {
		// nogmr again, in a module of its own: no gmr in its build info.
		if plainBin, err = buildPlain(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}

// result is what one run of the gmr binary did.
type result struct {
	stdout, stderr string
	code           int
}

// runGMR runs the built gmr binary with args and extra environment.
func runGMR(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gmrBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	default:
		require.NoError(t, err, "run gmr %v", args)
	}
	return res
}

func TestUsageAndExitCodes(t *testing.T) {
	report := writeGolden(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // a substring, "" for none expected
		stderr string
	}{
		{"no command", nil, 2, "", "Usage:"},
		{"help", []string{"help"}, 0, "The commands are:", ""},
		{"--help", []string{"--help"}, 0, "gmr <command>", ""},
		{"help dump", []string{"help", "dump"}, 0, "usage: gmr dump", ""},
		{"help unknown", []string{"help", "frob"}, 2, "", "unknown command"},
		{"unknown command", []string{"frob"}, 2, "", "gmr frob: unknown command"},
		{"dump --help", []string{"dump", "--help"}, 0, "never sends a signal", ""},
		{"ls -h", []string{"ls", "-h"}, 0, "usage: gmr ls", ""},
		{"diff --help", []string{"diff", "--help"}, 0, "text reports are not", ""},
		{"view --help", []string{"view", "--help"}, 0, "--html", ""},
		{"bad flag", []string{"view", "--nope", report}, 2, "", "flag provided but not defined"},
		{"dump no pid", []string{"dump"}, 2, "", "want one PID"},
		{"dump bad pid", []string{"dump", "x"}, 2, "", "not a process id"},
		{"diff one file", []string{"diff", report}, 2, "", "want two report files"},
		{"view missing file", []string{"view", filepath.Join(t.TempDir(), "none.json")}, 1, "", "no such file"},
		{"ls missing dir", []string{"ls", filepath.Join(t.TempDir(), "none")}, 1, "", "no such file"},
		{"view ok", []string{"view", report}, 0, "Guru Meditation", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runGMR(t, nil, tt.args...)
			assert.Equal(t, tt.code, res.code, "exit code; stderr: %s", res.stderr)
			if tt.stdout != "" {
				assert.Contains(t, res.stdout, tt.stdout)
			}
			if tt.stderr != "" {
				assert.Contains(t, res.stderr, tt.stderr)
			}
			if tt.code == 0 && tt.stderr == "" {
				assert.Empty(t, res.stderr)
			}
		})
	}
}

// writeGolden copies the formatters' golden JSON report to a temp file.
func writeGolden(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../testdata/golden/report.json")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "demo-20261125T170000.123000Z-4242-000001.json")
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return path
}

// buildPlain builds testdata/cmdgmr/nogmr as the main package of a module
// that does not depend on gmr.
func buildPlain(dir string) (string, error) {
	src := filepath.Join(dir, "plain")
	if err := os.Mkdir(src, 0o700); err != nil {
		return "", err
	}
	code, err := os.ReadFile("../../testdata/cmdgmr/nogmr/main.go")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), code, 0o600); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module example.com/plain\n\ngo 1.26\n"), 0o600); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "plain-bin")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build a program outside gmr's module: %v\n%s", err, out)
	}
	return bin, nil
}
