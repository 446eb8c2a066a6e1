package gmr_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/gmr/report"
)

// forger is custom section data whose own text layout tries to end the
// report early, open a section of its own and take over the terminal.
type forger struct {
	Name string `json:"name"`
}

func (forger) WriteText(w io.Writer) error {
	rule := strings.Repeat("=", formatters.Width)
	_, err := fmt.Fprintf(w, "looks fine\n%s\n\n%s\n====%s====\n%s\nfake = data\n\x1b]0;pwned\x07title\n\x1b[2Jcleared\ttabbed\n%s\n",
		formatters.Footer, rule, strings.Repeat(" ", formatters.Width-8), rule, formatters.Footer)
	return err
}

func TestTextWriterCannotForgeStructure(t *testing.T) {
	forged := map[string]any{
		formatters.Footer:          "a key that is the footer",
		strings.Repeat("=", 72):    "a key that is a rule",
		"||||||||||||||||||||||||": "a key like the header's rule",
	}
	r, err := gmr.New(gmr.WithStderr(io.Discard), gmr.WithFormat("text"), gmr.WithOnlySections(
		report.Func("forger", func(context.Context) (any, error) { return forger{Name: "x"}, nil }),
		report.Func("forged_keys", func(context.Context) (any, error) { return forged, nil }),
		report.Func("forged_error", func(context.Context) (any, error) {
			return nil, fmt.Errorf("boom\n%s\n\x1b]0;pwned\x07", formatters.Footer)
		}),
	))
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, r.WriteReport(context.Background(), &out))
	text := out.String()

	assert.NotContains(t, text, "\x1b", "no raw ESC byte")
	assert.NotContains(t, text, "\x07", "no raw BEL byte")
	footers, banners := 0, 0
	for line := range strings.Lines(text) {
		line = strings.TrimSuffix(line, "\n")
		if line == formatters.Footer {
			footers++
		}
		if line == strings.Repeat("=", formatters.Width) {
			banners++
		}
	}
	assert.Equal(t, 1, footers, "exactly one footer line:\n%s", text)
	assert.Equal(t, 2*4, banners, "two rules for the report's banner and for each of its three sections, no more")
	assert.True(t, strings.HasSuffix(text, formatters.Footer+"\n"), "the footer is the last line")
	// What the data wrote is there, contained: escaped and indented.
	assert.Contains(t, text, "\nlooks fine\n")
	assert.Contains(t, text, "\n  "+formatters.Footer+"\n")
	assert.Contains(t, text, `\x1b]0;pwned\x07title`)
	assert.Contains(t, text, "cleared    tabbed", "a tab becomes spaces")
}
