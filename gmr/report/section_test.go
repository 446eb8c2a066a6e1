package report_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/gmr/report"
)

type countReviewer struct{ panicValue any }

func (countReviewer) Name() string                         { return "count" }
func (countReviewer) Collect(context.Context) (any, error) { return nil, errors.New("not reviewed") }
func (c countReviewer) Review(_ context.Context, results []report.Result) (any, error) {
	if c.panicValue != nil {
		panic(c.panicValue)
	}
	return len(results), nil
}

func TestRunReview(t *testing.T) {
	res := report.RunReview(context.Background(), countReviewer{}, []report.Result{{Name: "a"}, {Name: "b"}})
	require.NoError(t, res.Err)
	assert.Equal(t, "count", res.Name)
	assert.Equal(t, 2, res.Data, "Review ran, with the results")

	res = report.RunReview(context.Background(), countReviewer{panicValue: "boom"}, nil)
	var pe *report.PanicError
	require.ErrorAs(t, res.Err, &pe)
	assert.Equal(t, "count", pe.Section)
	assert.Equal(t, "boom", pe.Value)

	res = report.RunReview(context.Background(), nil, nil)
	assert.Error(t, res.Err, "a nil Reviewer is an error, not a panic")
}
