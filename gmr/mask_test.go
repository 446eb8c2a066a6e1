package gmr_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/sections"
)

// capture is a third-party formatter: it keeps the report it is given, and
// writes everything in it with %#v, as a careless formatter might.
type capture struct {
	mu  sync.Mutex
	got *report.Report
}

func (*capture) Name() string      { return "capture" }
func (*capture) Extension() string { return "txt" }
func (c *capture) Format(w io.Writer, r *report.Report) error {
	c.mu.Lock()
	c.got = r
	c.mu.Unlock()
	_, err := fmt.Fprintf(w, "%#v\n", r)
	for _, res := range r.Sections {
		fmt.Fprintf(w, "%#v\n%#v\n", res.Data, res.Text)
		if res.Err != nil {
			fmt.Fprintf(w, "%s\n", res.Err)
			var pe *report.PanicError
			if errors.As(res.Err, &pe) {
				fmt.Fprintf(w, "%#v %s\n", pe.Value, pe.Stack)
			}
			for u := errors.Unwrap(res.Err); u != nil; u = errors.Unwrap(u) {
				fmt.Fprintf(w, "unwrapped: %s\n", u)
			}
		}
	}
	return err
}

type textual struct{ Secret string }

func (t textual) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "token=%s\n", t.Secret)
	return err
}

type dbConfig struct {
	DBPassword string        `json:"pw"`
	Login      *url.Userinfo `json:"login"`
	Upstream   url.URL       `json:"upstream"`
	Replica    string        `json:"replica"`
}

// TestThirdPartyFormatterSeesMaskedData gives a formatter of the user's
// every kind of secret a section can carry, through a real Reporter.
func TestThirdPartyFormatterSeesMaskedData(t *testing.T) {
	canaries := []string{"cnry-err", "cnry-panic", "cnry-field", "cnry-userinfo", "cnry-url", "cnry/slash", "cnry-text", "cnry-pin", "cnry-cause"}
	up, err := url.Parse("https://svc:cnry-url@up.example/v1")
	require.NoError(t, err)
	f := &capture{}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("gave up: password=cnry-cause"))
	opts := []gmr.Option{gmr.WithStderr(io.Discard), gmr.WithFormatter(f), gmr.WithSecretKeys("pin"),
		gmr.WithOnlySections(
			report.Func("failing", func(context.Context) (any, error) {
				return nil, fmt.Errorf("dial postgres://app:cnry-err@db/app: %w", errors.New("connection refused"))
			}),
			report.Func("panicking", func(context.Context) (any, error) { panic("bad config: password=cnry-panic") }),
			report.Func("db", func(context.Context) (any, error) {
				return dbConfig{
					DBPassword: "cnry-field",
					Login:      url.UserPassword("app", "cnry-userinfo"),
					Upstream:   *up,
					Replica:    "postgres://app:cnry/slash@db/app",
				}, nil
			}),
			report.Func("textual", func(context.Context) (any, error) { return textual{Secret: "cnry-text"}, nil }),
			report.Func("pins", func(context.Context) (any, error) { return map[string]string{"card_pin": "cnry-pin"}, nil }),
		)}
	// A cancelled context times every section out, with its cause. (Its
	// sections may still be running afterwards: a second Reporter makes
	// the full report.)
	r, err := gmr.New(opts...)
	require.NoError(t, err)
	var late strings.Builder
	require.NoError(t, r.WriteReport(ctx, &late))
	r, err = gmr.New(opts...)
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, r.WriteReport(context.Background(), &out))
	for _, c := range canaries {
		assert.NotContains(t, out.String(), c)
		assert.NotContains(t, late.String(), c)
	}
	assert.Contains(t, out.String(), "postgres://app:***@db/app", "the URL's user and host stay visible")
	assert.Contains(t, late.String(), "gave up: password=***", "the cause is shown, masked")

	got := f.got
	require.Len(t, got.Sections, 5)
	var pe *report.PanicError
	require.ErrorAs(t, got.Sections[1].Err, &pe, "a panic keeps its shape")
	assert.Equal(t, "bad config: password=***", pe.Value)
	assert.NotEmpty(t, pe.Stack)
	db, ok := got.Sections[2].Data.(report.Object)
	require.True(t, ok, "custom data is a tree: %T", got.Sections[2].Data)
	assert.Equal(t, report.Object{
		{Key: "pw", Value: "***"},
		{Key: "login", Value: "app:***"},
		{Key: "upstream", Value: "https://svc:***@up.example/v1"},
		{Key: "replica", Value: "postgres://app:***@db/app"},
	}, db)
	assert.Equal(t, []string{"token=***"}, got.Sections[3].Text)
}

// TestBuiltinSectionsGetTheOneRedactor checks that WithSecretKeys reaches
// built-in sections given to WithOnlySections.
func TestBuiltinSectionsGetTheOneRedactor(t *testing.T) {
	t.Setenv("GMR_TEST_CARD_PIN", "cnry-env-pin")
	r, err := gmr.New(gmr.WithStderr(io.Discard), gmr.WithFormat("json"), gmr.WithSecretKeys("pin"),
		gmr.WithConfig("bank", struct{ Pin string }{"cnry-config-pin"}),
		gmr.WithOnlySections(sections.Environment{}, &sections.Config{}))
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, r.WriteReport(context.Background(), &out))
	assert.NotContains(t, out.String(), "cnry-")
	assert.Contains(t, out.String(), "GMR_TEST_CARD_PIN")
	assert.Contains(t, out.String(), "bank.Pin", "WithConfig reaches a Config given to WithOnlySections")
}

// TestNilReporter follows the documented pattern when Setup fails: every
// method of the nil Reporter it returns is safe.
func TestNilReporter(t *testing.T) {
	r, err := gmr.Setup(gmr.WithDir("/proc/nope/gmr"))
	require.Error(t, err)
	require.Nil(t, r)
	assert.NotPanics(t, func() {
		defer r.Stop()
		_, err := r.Report(context.Background())
		assert.ErrorContains(t, err, "nil Reporter")
		assert.ErrorContains(t, r.WriteReport(context.Background(), io.Discard), "nil Reporter")
	})
	assert.PanicsWithValue(t, "boom", func() {
		defer r.ReportPanic()
		panic("boom")
	}, "ReportPanic on a nil Reporter only re-panics")
}

// TestBuiltinTextIsNotMaskedTwice checks that a built-in section's text,
// rendered from its masked data, is not masked again as text: PWD is a
// directory, which the environment section shows, though "PWD = /srv"
// reads like a secret pair.
func TestBuiltinTextIsNotMaskedTwice(t *testing.T) {
	r, err := gmr.New(gmr.WithStderr(io.Discard), gmr.WithOnlySections(
		sections.Environment{Environ: []string{"PWD=/srv/app", "DB_PASSWORD=cnry-pw"}}))
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, r.WriteReport(context.Background(), &out))
	assert.Contains(t, out.String(), "\nPWD = /srv/app\n")
	assert.Contains(t, out.String(), "\nDB_PASSWORD = ***\n")
	assert.NotContains(t, out.String(), "cnry-pw")
}
