package gmr

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCountFDsCountsOpenFiles(t *testing.T) {
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	before := countFDs()
	assert.Equal(t, len(entries)-1, before, "as many as the directory lists, less the fd ReadDir had open")

	var files []*os.File
	for range 50 {
		f, err := os.Open(os.DevNull)
		require.NoError(t, err)
		files = append(files, f)
	}
	assert.Equal(t, before+50, countFDs())
	for _, f := range files {
		f.Close()
	}
	assert.Equal(t, before, countFDs())
}
