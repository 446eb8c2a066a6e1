package sections

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMetricValues(t *testing.T) {
	m := &metricValues{samples: readMetrics(
		"/sched/goroutines:goroutines",   // a uint64
		"/cpu/classes/total:cpu-seconds", // a float64
		"/sched/pauses/total/gc:seconds", // a histogram
		"/gc/gone:bytes",                 // not in this Go release
		"/gc/gogc:percent",               // a uint64, read as a float64
	)}
	assert.Positive(t, m.uint64(0), "this test's goroutine")
	m.float64(1)
	m.pauses(2)
	assert.Nil(t, m.missingNames(), "none missing yet")
	assert.Zero(t, m.uint64(3))
	assert.Zero(t, m.float64(4))
	assert.Zero(t, m.pauses(3))
	assert.Equal(t, []string{"/gc/gogc:percent", "/gc/gone:bytes", "/gc/gone:bytes"}, m.missingNames(), "sorted")
}
