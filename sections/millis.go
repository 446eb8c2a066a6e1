package sections

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Millis is a duration that JSON writes as a number of milliseconds, to
// the nanosecond (1.5 is 1.5ms, 0.024576 is 24.576µs): the one unit of
// every duration in gmr's JSON, whose field names end in "_ms". In Go it is
// a time.Duration, and its text is time.Duration's ("1.5ms").
type Millis time.Duration

// D returns m as a time.Duration.
func (m Millis) D() time.Duration { return time.Duration(m) }

// String returns m as time.Duration writes it.
func (m Millis) String() string { return time.Duration(m).String() }

// MarshalJSON writes m in milliseconds, exactly: the whole milliseconds and
// up to six decimals, with no trailing zeros.
func (m Millis) MarshalJSON() ([]byte, error) {
	var b []byte
	u := uint64(m)
	if m < 0 {
		b = append(b, '-')
		u = -u // two's complement: right for math.MinInt64 too
	}
	b = strconv.AppendUint(b, u/1e6, 10)
	if frac := u % 1e6; frac != 0 {
		digits := strconv.AppendUint(nil, frac+1e6, 10)[1:] // six digits, leading zeros kept
		b = append(b, '.')
		b = append(b, bytes.TrimRight(digits, "0")...)
	}
	return b, nil
}

// UnmarshalJSON reads a number of milliseconds.
func (m *Millis) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("sections.Millis: %w", err)
	}
	if math.Abs(f) > float64(math.MaxInt64/int64(time.Millisecond)) {
		return fmt.Errorf("sections.Millis: %v ms is out of range", f)
	}
	*m = Millis(math.Round(f * float64(time.Millisecond)))
	return nil
}

// millisOf converts durations.
func millisOf(ds []time.Duration) []Millis {
	out := make([]Millis, len(ds))
	for i, d := range ds {
		out[i] = Millis(d)
	}
	return out
}
