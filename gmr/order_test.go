package gmr_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/gmr"
)

// reportOrder is the order of the built-in sections in every format.
var reportOrder = []string{"findings", "goroutines", "threads", "process", "heap", "config", "package", "environment"}

// sectionOrder returns the section names of a report in format, in order.
func sectionOrder(t *testing.T, format string, out []byte) []string {
	t.Helper()
	var names []string
	switch format {
	case "text":
		for _, m := range regexp.MustCompile(`(?m)^==== +(\w[\w ]*?) +====$`).FindAllStringSubmatch(string(out), -1)[1:] {
			names = append(names, strings.ToLower(m[1]))
		}
	case "json", "jsonl":
		var rep struct {
			Sections []struct {
				Name string `json:"name"`
			} `json:"sections"`
		}
		require.NoError(t, json.Unmarshal(out, &rep))
		for _, s := range rep.Sections {
			names = append(names, s.Name)
		}
	case "jsonl-sections":
		for line := range bytes.Lines(out) {
			var rec struct {
				Name string `json:"section_name"`
			}
			require.NoError(t, json.Unmarshal(line, &rec))
			if len(names) == 0 || names[len(names)-1] != rec.Name { // a split section's parts follow each other
				names = append(names, rec.Name)
			}
		}
	}
	return names
}

func TestSectionOrderInEveryFormat(t *testing.T) {
	for _, format := range []string{"text", "json", "jsonl", "jsonl-sections"} {
		t.Run(format, func(t *testing.T) {
			r, err := gmr.New(gmr.WithFormat(format), gmr.WithoutSignal())
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, r.WriteReport(context.Background(), &buf))
			got := sectionOrder(t, format, buf.Bytes())
			assert.Equal(t, reportOrder, got)
			assert.Equal(t, 0, slices.Index(got, "findings"), "the findings come first")
		})
	}
}
