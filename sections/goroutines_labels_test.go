package sections

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/internal/redact"
)

// TestLabelsBounded counts more distinct values than a key may track: the
// key says "more than" the bound, the counts stay exact, and a value shared
// by many goroutines is listed.
func TestLabelsBounded(t *testing.T) {
	f := newFakeProfile()
	park := f.loc("main.handler:10")
	for i := range maxLabelValues + 500 {
		f.sample(1, map[string][]string{"request_id": {"r" + strconv.Itoa(i)}}, park)
	}
	f.sample(7, map[string][]string{"request_id": {"r3"}}, park)
	f.sample(5, nil, park)
	rep := summarize(f.p, nil, leakInput{}, Goroutines{}.limits())
	require.Len(t, rep.Groups, 1)
	g := rep.Groups[0]
	assert.Equal(t, maxLabelValues+500+12, g.Count)
	require.Len(t, g.VaryingLabels, 1)
	assert.Equal(t, GoroutineLabelSummary{Key: "request_id", Goroutines: maxLabelValues + 507, Missing: 5,
		Distinct: maxLabelValues, DistinctCapped: true, Top: []GoroutineLabelValue{{Value: "r3", Count: 8}}}, g.VaryingLabels[0])
	var text bytes.Buffer
	writeVaryingLabels(&text, "", &g)
	assert.Equal(t, "label request_id: more than 100,000 distinct, most common r3 (8); 5 without it\n", text.String())
}

// TestLabelsBudget fills the report-wide budget of tracked values: keys
// past it say "more than" what they tracked, and grouping goes on.
func TestLabelsBudget(t *testing.T) {
	budget := &labelBudget{values: 3}
	a := newLabelAcc()
	for i := range 5 {
		a.addValue("k", "v"+strconv.Itoa(i), 1, budget)
	}
	a.addValue("k", "v0", 2, budget)
	_, varying, _ := a.summary(7)
	assert.Equal(t, []GoroutineLabelSummary{{Key: "k", Goroutines: 7, Distinct: 3, DistinctCapped: true,
		Top: []GoroutineLabelValue{{Value: "v0", Count: 3}}}}, varying)
}

// TestLabelsKeysBounded gives a group more keys than it summarises.
func TestLabelsKeysBounded(t *testing.T) {
	budget := &labelBudget{values: maxLabelValuesTotal}
	a := newLabelAcc()
	for i := range maxLabelKeys + 3 {
		a.addValue("k"+strconv.Itoa(i), "v", 2, budget)
	}
	same, varying, omitted := a.summary(2)
	assert.Len(t, same, maxLabelKeys)
	assert.Empty(t, varying)
	assert.Equal(t, 6, omitted, "3 keys, on 2 goroutines each")
	g := GoroutineGroup{LabelsOmitted: omitted}
	var text bytes.Buffer
	writeVaryingLabels(&text, "  ", &g)
	assert.Equal(t, "  6 labels under further keys, not summarised\n", text.String())
}

func TestWriteVaryingLabels(t *testing.T) {
	g := GoroutineGroup{VaryingLabels: []GoroutineLabelSummary{
		{Key: "request_id", Goroutines: 10_000, Distinct: 10_000, Top: []GoroutineLabelValue{}},
		{Key: "tenant", Goroutines: 10_000, Distinct: 2, Top: []GoroutineLabelValue{{"acme", 6000}, {"globex", 4000}}},
		{Key: "trace", Goroutines: 10, Missing: 9_990, Distinct: 1, Top: []GoroutineLabelValue{{"abc", 10}}},
		{Key: "evil\x1b[2J", Goroutines: 1, Missing: 1, Distinct: 1, Top: []GoroutineLabelValue{{"\x07", 1}}},
	}}
	var text bytes.Buffer
	writeVaryingLabels(&text, "  ", &g)
	assert.Equal(t, "  label request_id: 10,000 distinct\n"+
		"  label tenant: acme (6,000), globex (4,000)\n"+
		"  label trace: abc (10); 9,990 without it\n"+
		"  label evil\\x1b[2J: \\x07 (1); 1 without it\n", text.String())
}

// TestMaskLabels masks the values of a secret key in the label summaries,
// which the Reporter's pass cannot know the key of, with the Reporter's
// Redactor (its extra keys included).
func TestMaskLabels(t *testing.T) {
	f := newFakeProfile()
	park := f.loc("main.handler:10")
	for i := range 3 {
		f.sample(1, map[string][]string{"session": {"s3cr3t-" + strconv.Itoa(i)}, "pin": {"p" + strconv.Itoa(i)}, "user": {"u" + strconv.Itoa(i)}}, park)
	}
	rep := summarize(f.p, nil, leakInput{}, Goroutines{}.limits())
	maskLabels(rep, &redact.Redactor{Extra: []string{"pin"}})
	byKey := map[string]GoroutineLabelSummary{}
	for _, l := range rep.Groups[0].VaryingLabels {
		byKey[l.Key] = l
	}
	for _, k := range []string{"session", "pin"} {
		assert.True(t, byKey[k].Redacted, k)
		assert.Equal(t, []GoroutineLabelValue{{"***", 1}, {"***", 1}, {"***", 1}}, byKey[k].Top, k)
		assert.Equal(t, 3, byKey[k].Distinct, k)
	}
	assert.False(t, byKey["user"].Redacted)
	assert.Equal(t, "u0", byKey["user"].Top[0].Value)
}
