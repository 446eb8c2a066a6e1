//go:build unix

package main

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
)

// realReport returns the path of a JSON report of a real svc child with
// n goroutines parked in grownWorker.
func realReport(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	p := startProc(t, svcBin, []string{"XDG_RUNTIME_DIR=" + t.TempDir(), "GMR_DIR=" + dir, "GMR_FORMAT=json"})
	require.Equal(t, "grown "+strconv.Itoa(n), p.say(t, "grow "+strconv.Itoa(n)))
	return takeReport(t, p, dir)
}

func TestViewDecodesBuiltinSectionsWithoutLoss(t *testing.T) {
	// Each built-in section's data, decoded into its Go type and encoded
	// again, is the JSON the service wrote: so view's text is the text
	// report's own layout, from all of the data.
	rf, err := readReport(realReport(t, 40))
	require.NoError(t, err)
	seen := 0
	for _, s := range rf.Sections {
		v := builtinData(s.Name)
		if v == nil {
			continue
		}
		seen++
		require.NoError(t, json.Unmarshal(s.Data, v), s.Name)
		b, err := json.Marshal(v)
		require.NoError(t, err, s.Name)
		assert.JSONEq(t, string(s.Data), string(b), "section %s", s.Name)
	}
	assert.Equal(t, 8, seen, "findings, goroutines, threads, process, heap, config, package, environment")
}

func TestViewText(t *testing.T) {
	path := realReport(t, 40)
	res := runGMR(t, nil, "view", path)
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	out := res.stdout
	assert.True(t, strings.HasPrefix(out, strings.Repeat("=", formatters.Width)+"\n"), out)
	assert.True(t, strings.HasSuffix(out, formatters.Footer+"\n"))
	for _, title := range []string{"Guru Meditation", "Findings", "Goroutines", "Threads", "Process", "Heap", "Config", "Package", "Environment"} {
		assert.Contains(t, out, "  "+title+"  ")
	}
	// The goroutine section's own layout, not the generic one.
	assert.Regexp(t, `\n\d+ goroutines in \d+ groups from the goroutine profile`, out)
	assert.Contains(t, out, "\n40 goroutines\n  state: chan receive\n")
	assert.Contains(t, out, "    main.grownWorker\n")
	assert.NotContains(t, out, "frames:", "no generic rendering of the groups")

	// -o writes the same to a file, mode 0600.
	file := t.TempDir() + "/view.txt"
	res2 := runGMR(t, nil, "view", "-o", file, path)
	require.Equal(t, 0, res2.code, "stderr: %s", res2.stderr)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, out, string(b))
	fi, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}
