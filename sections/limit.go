package sections

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Limit is a limit that may be absent: a size in bytes, a count, a number
// of seconds. A negative value or math.MaxInt64 (how the runtime writes "no
// GOMEMLIMIT") is no limit, which JSON writes as null; any other value is
// written as an integer. Its text is up to each section ("unlimited").
type Limit int64

// NoLimit is the Limit that is none.
const NoLimit Limit = -1

// Unlimited reports whether l is no limit.
func (l Limit) Unlimited() bool { return l < 0 || l == math.MaxInt64 }

// MarshalJSON writes l as an integer, or null for no limit.
func (l Limit) MarshalJSON() ([]byte, error) {
	if l.Unlimited() {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, int64(l), 10), nil
}

// UnmarshalJSON reads an integer, or null as NoLimit.
func (l *Limit) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*l = NoLimit
		return nil
	}
	var v int64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("sections.Limit: %w", err)
	}
	*l = Limit(v)
	return nil
}

// CPULimit is a number of CPUs that may be absent: a negative value is no
// limit, which JSON writes as null.
type CPULimit float64

// Unlimited reports whether c is no limit.
func (c CPULimit) Unlimited() bool { return c < 0 }

// MarshalJSON writes c as a number, or null for no limit.
func (c CPULimit) MarshalJSON() ([]byte, error) {
	if c.Unlimited() {
		return []byte("null"), nil
	}
	return json.Marshal(float64(c))
}

// UnmarshalJSON reads a number, or null as -1.
func (c *CPULimit) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*c = -1
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("sections.CPULimit: %w", err)
	}
	*c = CPULimit(v)
	return nil
}
