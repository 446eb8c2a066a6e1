package ownfd

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRegistry(t *testing.T) {
	Add(1000, "a")
	Add(-1, "ignored")
	AddPath("/tmp/crash.txt", "crash output")
	AddPath("", "ignored")
	fds, paths := Snapshot()
	assert.Equal(t, "a", fds[1000])
	assert.NotContains(t, fds, -1)
	assert.Equal(t, "crash output", paths["/tmp/crash.txt"])
	assert.NotContains(t, paths, "")

	Remove(1000)
	RemovePath("/tmp/crash.txt")
	fds2, paths2 := Snapshot()
	assert.NotContains(t, fds2, 1000)
	assert.NotContains(t, paths2, "/tmp/crash.txt")
	assert.Equal(t, "a", fds[1000], "a snapshot is a copy")
}

func TestConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 1000 {
				fd := 2000 + i*1000 + j
				Add(fd, "x")
				Snapshot()
				Remove(fd)
			}
		})
	}
	wg.Wait()
	fds, _ := Snapshot()
	for fd := range fds {
		assert.Less(t, fd, 2000, "all removed")
	}
}
