package gmr_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/gmr/report"
)

type userConfig struct {
	Endpoint string            `json:"endpoint"`
	Password string            `json:"password"`
	Nested   map[string]string `json:"nested"`
	PIN      int               `json:"pin"`
}

type userText struct{}

func (userText) WriteText(w io.Writer) error {
	_, err := io.WriteString(w, "client_secret = canary-in-text-layout\nurl = https://bob:canary-in-url@h/\n")
	return err
}

// Sections a user adds do not redact their own data: the formatters do, in
// every format.
func TestUserSectionDataIsRedacted(t *testing.T) {
	canaries := []string{"canary-password-field", "canary-in-url", "canary-map-token", "canary-in-text-layout", "4711"}
	secs := gmr.WithOnlySections(
		report.Func("mine", func(context.Context) (any, error) {
			return userConfig{
				Endpoint: "https://bob:canary-in-url@api.example/v1",
				Password: "canary-password-field",
				Nested:   map[string]string{"auth_token": "canary-map-token", "region": "eu-west-1"},
				PIN:      4711,
			}, nil
		}),
		report.Func("layout", func(context.Context) (any, error) { return userText{}, nil }),
	)
	for _, format := range gmr.FormatNames() {
		t.Run(format, func(t *testing.T) {
			r, err := gmr.New(secs, gmr.WithFormat(format), gmr.WithSecretKeys("pin"))
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, r.WriteReport(context.Background(), &buf))
			out := buf.String()
			for _, c := range canaries {
				assert.NotContains(t, out, c)
			}
			for _, visible := range []string{"eu-west-1", "api.example", "password", "auth_token", "pin"} {
				assert.Contains(t, out, visible, "keys and harmless values stay")
			}
			if format == "text" {
				assert.Contains(t, out, "client_secret = ***", "a TextWriter's own layout is masked line by line")
			}
		})
	}
}
