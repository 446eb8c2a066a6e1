package sections

import (
	"runtime/metrics"
	"slices"
)

// readMetrics reads the runtime/metrics called names, in their order. A
// metric is read without stopping the world.
func readMetrics(names ...string) []metrics.Sample {
	samples := make([]metrics.Sample, len(names))
	for i, name := range names {
		samples[i].Name = name
	}
	metrics.Read(samples)
	return samples
}

// metricValues gives the values of runtime/metrics samples, noting those
// that this Go release does not provide, or not of the kind expected.
type metricValues struct {
	samples []metrics.Sample
	missing []string
}

// has reports whether sample i holds a value of kind; if not, it notes the
// metric as missing.
func (m *metricValues) has(i int, kind metrics.ValueKind) bool {
	if m.samples[i].Value.Kind() != kind {
		m.missing = append(m.missing, m.samples[i].Name)
		return false
	}
	return true
}

// uint64 returns sample i's value, or 0 if it is missing.
func (m *metricValues) uint64(i int) uint64 {
	if !m.has(i, metrics.KindUint64) {
		return 0
	}
	return m.samples[i].Value.Uint64()
}

// float64 returns sample i's value, or 0 if it is missing.
func (m *metricValues) float64(i int) float64 {
	if !m.has(i, metrics.KindFloat64) {
		return 0
	}
	return m.samples[i].Value.Float64()
}

// pauses summarises sample i's histogram of seconds, or returns the zero
// summary if it is missing.
func (m *metricValues) pauses(i int) PauseSummary {
	if !m.has(i, metrics.KindFloat64Histogram) {
		return PauseSummary{}
	}
	return summarizePauses(m.samples[i].Value.Float64Histogram())
}

// missingNames returns the names of the missing metrics met so far,
// sorted, or nil if there are none.
func (m *metricValues) missingNames() []string {
	slices.Sort(m.missing)
	return m.missing
}
