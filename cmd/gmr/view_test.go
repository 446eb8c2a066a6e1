package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestViewGenericSections(t *testing.T) {
	// The formatters' golden report: sections of its own, rendered in the
	// generic layout, members in the order of the JSON; errors, panic
	// stacks and escapes kept.
	res := runGMR(t, nil, "view", "../../testdata/golden/report.json")
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	out := res.stdout
	queue := out[strings.Index(out, "  Queue  "):]
	queue = queue[:strings.Index(queue, "  Scalars  ")]
	order := []string{"name = ", "depth = 12", "oldest = 90000000000", "workers:", "tags:"}
	last := -1
	for _, s := range order {
		i := strings.Index(queue, s)
		require.GreaterOrEqual(t, i, 0, "%q in %s", s, queue)
		assert.Greater(t, i, last, "%q in JSON order", s)
		last = i
	}
	assert.NotContains(t, out, "\x1b", "terminal escapes stay escaped")
	assert.Contains(t, out, "error: backend unreachable")
	assert.Contains(t, out, "panic stack:\n    goroutine 7 [running]:")
	assert.Contains(t, out, "service = demo\n")
}

func TestDecodeGenericBounds(t *testing.T) {
	deep := strings.Repeat("[", maxDepth+10) + strings.Repeat("]", maxDepth+10)
	v := decodeData("mine", []byte(deep))
	s, ok := v.(string)
	require.True(t, ok, "too deep becomes a note, not a crash: %T", v)
	assert.Contains(t, s, "nested deeper than")
	assert.Nil(t, decodeData("mine", []byte("null")))
	assert.Equal(t, int64(3), decodeData("mine", []byte("3")))
	assert.Equal(t, 3.5, decodeData("mine", []byte("3.5")))
}

func TestViewKeepsTheTrace(t *testing.T) {
	b, err := os.ReadFile("../../testdata/golden/report.json")
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	h := doc["header"].(map[string]any)
	h["trace"] = "demo-20261201T000000Z-1-000001.trace"
	h["trace_note"] = "the trace was cut at 20 MiB"
	b, err = json.Marshal(doc)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "report.json")
	require.NoError(t, os.WriteFile(path, b, 0o600))

	res := runGMR(t, nil, "view", path)
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	assert.Contains(t, res.stdout, "trace = demo-20261201T000000Z-1-000001.trace\n")
	assert.Contains(t, res.stdout, "the trace was cut at 20 MiB")
}
