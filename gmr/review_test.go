//go:build unix

package gmr_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/sections"
)

// recorder is a Reviewer that keeps the results it was given.
type recorder struct {
	got   *[]report.Result
	fail  error
	panic bool
}

func (recorder) Name() string                         { return "review" }
func (recorder) Collect(context.Context) (any, error) { return "collected", nil }
func (r recorder) Review(_ context.Context, results []report.Result) (any, error) {
	if r.panic {
		panic("reviewer exploded: password=hunter2")
	}
	*r.got = results
	return map[string]any{"results": len(results), "token": "s3cret-token"}, r.fail
}

func TestReviewerSeesMaskedResultsInOrder(t *testing.T) {
	var got []report.Result
	r, err := gmr.New(gmr.WithFormatter(formatters.JSON{}), gmr.WithOnlySections(
		report.Func("first", func(context.Context) (any, error) {
			return map[string]string{"password": "hunter2", "name": "db"}, nil
		}),
		recorder{got: &got, fail: errors.New("half done: api_key=s3cret-key")},
		report.Func("last", func(context.Context) (any, error) { return nil, errors.New("broken: token=abc123secret") }),
	))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, r.WriteReport(context.Background(), &buf))

	require.Len(t, got, 2, "every other section's result, not its own")
	assert.Equal(t, "first", got[0].Name)
	assert.Equal(t, "last", got[1].Name)
	assert.NotContains(t, jsonOf(t, got[0].Data), "hunter2", "the reviewer sees masked data")
	assert.NotContains(t, got[1].Err.Error(), "abc123secret", "and masked errors")

	out := buf.String()
	for _, secret := range []string{"hunter2", "s3cret-token", "s3cret-key", "abc123secret"} {
		assert.NotContains(t, out, secret, "its own result and error are masked too")
	}
	var rep struct {
		Sections []struct {
			Name  string         `json:"name"`
			Data  map[string]any `json:"data"`
			Error string         `json:"error"`
		} `json:"sections"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rep))
	require.Len(t, rep.Sections, 3)
	assert.Equal(t, "review", rep.Sections[1].Name, "in its own place in the order")
	assert.Equal(t, float64(2), rep.Sections[1].Data["results"], "Review ran, not Collect")
	assert.Contains(t, rep.Sections[1].Error, "half done")
}

func TestPanickingReviewerIsItsOwnError(t *testing.T) {
	var got []report.Result
	r, err := gmr.New(gmr.WithOnlySections(constSection("fine", "ok"), recorder{got: &got, panic: true}))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, r.WriteReport(context.Background(), &buf))
	assert.Contains(t, buf.String(), `section "review" panicked: reviewer exploded`)
	assert.NotContains(t, buf.String(), "hunter2")
	assert.Contains(t, buf.String(), "\nok\n", "the other section still renders")
}

func TestFindingsSeeFailedSections(t *testing.T) {
	r, err := gmr.New(gmr.WithOnlySections(sections.Findings{},
		report.Func("queue", func(context.Context) (any, error) { return nil, errors.New("queue unreachable: password=hunter2") })))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, r.WriteReport(context.Background(), &buf))
	assert.Regexp(t, `WARNING  section_failed  section queue failed: queue unreachable: password=\*\*\* \(see queue\)`, buf.String())
	assert.NotContains(t, buf.String(), "hunter2")
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
