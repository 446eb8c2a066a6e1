package sections

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMillisJSON(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0"},
		{time.Nanosecond, "0.000001"},
		{24576 * time.Nanosecond, "0.024576"},
		{1500 * time.Microsecond, "1.5"},
		{time.Millisecond, "1"},
		{12 * time.Minute, "720000"},
		{-1500 * time.Microsecond, "-1.5"},
		{math.MaxInt64, "9223372036854.775807"},
		{math.MinInt64, "-9223372036854.775808"},
	} {
		b, err := json.Marshal(Millis(tt.d))
		require.NoError(t, err)
		assert.Equal(t, tt.want, string(b), "%v", tt.d)
		assert.Equal(t, tt.d.String(), Millis(tt.d).String(), "the text is time.Duration's")
		if tt.d > -time.Hour*1e6 && tt.d < time.Hour*1e6 {
			var back Millis
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, Millis(tt.d), back, "%s reads back", b)
		}
	}
	var m Millis
	assert.Error(t, json.Unmarshal([]byte(`"1ms"`), &m))
	assert.Error(t, json.Unmarshal([]byte(`1e300`), &m))
}
