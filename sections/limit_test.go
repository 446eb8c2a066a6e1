package sections

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLimitJSON(t *testing.T) {
	for _, tt := range []struct {
		l    Limit
		want string
	}{
		{0, "0"}, {1 << 30, "1073741824"}, {NoLimit, "null"}, {-7, "null"}, {math.MaxInt64, "null"}, {math.MaxInt64 - 1, "9223372036854775806"},
	} {
		b, err := json.Marshal(tt.l)
		require.NoError(t, err)
		assert.Equal(t, tt.want, string(b), "%d", tt.l)
		var back Limit
		require.NoError(t, json.Unmarshal(b, &back))
		if tt.l.Unlimited() {
			assert.Equal(t, NoLimit, back)
		} else {
			assert.Equal(t, tt.l, back)
		}
	}
	for _, tt := range []struct {
		c    CPULimit
		want string
	}{{1.5, "1.5"}, {0, "0"}, {-1, "null"}} {
		b, err := json.Marshal(tt.c)
		require.NoError(t, err)
		assert.Equal(t, tt.want, string(b))
		var back CPULimit
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, tt.c, back)
	}
	b, err := json.Marshal(CgroupCPU{QuotaCPUs: -1})
	require.NoError(t, err)
	assert.JSONEq(t, `{"version":0,"quota_cpus":null,"quota_ms":null,"period_ms":0,"periods":0,"throttled_periods":0,"throttled_ms":0}`, string(b))
	var l Limit
	assert.Error(t, json.Unmarshal([]byte(`"max"`), &l))
}
