package gmr_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// jsonlPart is one part record of a split jsonl-sections section.
type jsonlPart struct {
	Section json.RawMessage
	Path    []any
}

// joinParts puts a section split into part records back together, as
// formatters.JSONLines documents: part 0's section, with each later part's
// items added at its part_path.
func joinParts(t *testing.T, parts []jsonlPart) jsonReportSection {
	t.Helper()
	require.NotEmpty(t, parts)
	var whole map[string]any
	for i, p := range parts {
		sec := decodeNumbers(t, p.Section).(map[string]any)
		if i == 0 {
			whole = sec
			continue
		}
		whole["data"] = mergeAt(t, whole["data"], sec["data"], p.Path)
	}
	b, err := json.Marshal(whole)
	require.NoError(t, err)
	var s jsonReportSection
	require.NoError(t, json.Unmarshal(b, &s))
	return s
}

func decodeNumbers(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

func mergeAt(t *testing.T, whole, part any, path []any) any {
	t.Helper()
	if len(path) == 0 {
		switch p := part.(type) {
		case []any:
			return append(whole.([]any), p...)
		case map[string]any:
			w := whole.(map[string]any)
			for k, v := range p {
				w[k] = v
			}
			return w
		}
		return part
	}
	switch step := path[0].(type) {
	case string:
		w, p := whole.(map[string]any), part.(map[string]any)
		if cur, ok := w[step]; ok {
			w[step] = mergeAt(t, cur, p[step], path[1:])
		} else {
			w[step] = p[step]
		}
		return w
	case json.Number:
		i, err := strconv.Atoi(string(step))
		require.NoError(t, err)
		w, p := whole.([]any), part.([]any)
		require.Len(t, p, 1)
		if len(w) > i {
			w[i] = mergeAt(t, w[i], p[0], path[1:])
			return w
		}
		return append(w, p[0])
	}
	t.Fatalf("part_path step %v", path[0])
	return nil
}
