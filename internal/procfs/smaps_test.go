package procfs

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSmapsRSS(t *testing.T) {
	named := readTestdata(t, "smaps/go-named.smaps")
	assert.True(t, HasGoMappingNames(named))
	rss, err := ParseSmapsRSS(named)
	require.NoError(t, err)
	assert.Equal(t, uint64(424<<10), rss["[anon: Go: heap]"])
	assert.Equal(t, uint64(0), rss["[anon: Go: heap reservation]"], "reserved, not resident")
	assert.Contains(t, rss, "[stack]")
	assert.Contains(t, rss, "", "the unnamed anonymous mapping")
	exe := rss["/srv/shop/shop"]
	assert.Equal(t, uint64((684+824+44)<<10), exe, "the binary's three mappings, summed")
	var total uint64
	for _, v := range rss {
		total += v
	}
	assert.Positive(t, total)

	unnamed := readTestdata(t, "smaps/go-unnamed.smaps")
	assert.False(t, HasGoMappingNames(unnamed))
	rss, err = ParseSmapsRSS(unnamed)
	require.NoError(t, err)
	assert.NotContains(t, rss, "[anon: Go: heap]")

	// A read cut inside a mapping counts what it holds.
	cut := named[:strings.Index(string(named), "[anon: Go: heap]\n")+len("[anon: Go: heap]\n")+40]
	rss, err = ParseSmapsRSS(cut)
	require.NoError(t, err)
	assert.Contains(t, rss, "[anon: Go: heap]")

	for in, want := range map[string]string{
		"":                                "no mappings",
		"Rss: 4 kB\n":                     "Rss before any mapping",
		"garbage line\n":                  "want a mapping",
		"0-1 r--p 0 00:00 0\nRss: x kB\n": "Rss: x kB",
		"0-1 r--p 0 00:00 0\nRss: 4\n":    "Rss: 4",
	} {
		_, err := ParseSmapsRSS([]byte(in))
		assert.ErrorContains(t, err, want, "%q", in)
	}
	rss, err = ParseSmapsRSS([]byte("0-1 r--p 0 00:00 12  /a file with spaces\nRss: 8 kB\n"))
	require.NoError(t, err)
	assert.Equal(t, map[string]uint64{"/a file with spaces": 8 << 10}, rss)
}

func TestGoMappingName(t *testing.T) {
	for in, want := range map[string]string{
		"[anon: Go: heap]":            "heap",
		"[anon: Go: OS thread stack]": "OS thread stack",
		"[anon: Go: ]":                "",
		"[anon:other]":                "",
		"[heap]":                      "",
		"/usr/lib/libc.so.6":          "",
	} {
		assert.Equal(t, want, GoMappingName(in), "%q", in)
	}
}

func TestSmapsLive(t *testing.T) {
	if _, err := os.Stat("/proc/self/smaps"); err != nil {
		t.Skip("no /proc/self/smaps:", err)
	}
	b, cut, err := Default.Self().Smaps(64 << 20)
	require.NoError(t, err)
	assert.False(t, cut)
	rss, err := ParseSmapsRSS(b)
	require.NoError(t, err)
	exe, err := os.Executable()
	require.NoError(t, err)
	assert.Positive(t, rss[exe], "the test binary's text is resident")

	m, cut, err := Default.Self().Maps(100)
	require.NoError(t, err)
	assert.True(t, cut)
	assert.Len(t, m, 100)

	_, _, err = FS(t.TempDir()).Self().Smaps(10)
	assert.True(t, IsGone(err))
}

func FuzzParseSmaps(f *testing.F) {
	f.Add(readTestdata(f, "smaps/go-named.smaps"))
	f.Add(readTestdata(f, "smaps/go-unnamed.smaps"))
	f.Add([]byte("0-1 r--p 0 00:00 0\nRss: 4 kB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rss, err := ParseSmapsRSS(b)
		if err != nil {
			require.Nil(t, rss)
			return
		}
		HasGoMappingNames(b)
		for name := range rss {
			if g := GoMappingName(name); g != "" {
				require.True(t, strings.HasPrefix(name, "[anon: Go: "+g), "%q", name)
			}
		}
	})
}
