package textfmt

import (
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"naïve café 日本", "naïve café 日本"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"\x1b]0;title\x07", `\x1b]0;title\x07`},
		{"a\tb\nc\rd", `a\tb\nc\rd`},
		{"nul\x00", `nul\x00`},
		{"c1\u009b", `c1\x9b`},
		{"rlo\u202eevil", `rlo\u202eevil`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"", ""},
		{"\x00\x7f", `\x00\x7f`},
		{"zero\u200bwidth", `zero\u200bwidth`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Escape(tt.in), "Escape(%q)", tt.in)
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"\x1b]0;x\x07", "ok", "\xff\xfe", "\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Escape(s)
		for _, r := range out {
			if Unprintable(r) {
				t.Fatalf("Escape(%q) = %q still holds %U", s, out, r)
			}
		}
	})
}

func TestNumbers(t *testing.T) {
	assert.Equal(t, "0", Commas(0))
	assert.Equal(t, "999", Commas(999))
	assert.Equal(t, "4,213", Commas(4213))
	assert.Equal(t, "-1,000,000", Commas(-1000000))
	// The smallest int, whose negation overflows, on 64- and 32-bit targets.
	wantMin := map[int]string{64: "-9,223,372,036,854,775,808", 32: "-2,147,483,648"}[strconv.IntSize]
	assert.Equal(t, wantMin, Commas(math.MinInt))
	assert.Equal(t, "1 group", Plural(1, "group"))
	assert.Equal(t, "0 groups", Plural(0, "group"))
	assert.Equal(t, "100,000 goroutines", Plural(100000, "goroutine"))
	assert.Equal(t, "512 B", Bytes(512))
	assert.Equal(t, "1.0 KiB", Bytes(1024))
	assert.Equal(t, "12.3 MiB", Bytes(12897412))
	assert.Equal(t, "16.0 EiB", Bytes(1<<64-1))
	assert.Equal(t, "1.0 MiB", Bytes(1<<20-1), "rounds up into the next unit")
	assert.Equal(t, "1023.9 KiB", Bytes(1048474))
}

func TestCut(t *testing.T) {
	assert.Equal(t, "abc", Cut("abc", 5))
	assert.Equal(t, "ab", Cut("abc", 2))
	assert.Equal(t, "a", Cut("aé", 2), "never inside a character")
	assert.Equal(t, "", Cut("é", 1))
}
