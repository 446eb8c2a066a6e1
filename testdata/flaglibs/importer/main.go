// Command importer imports gmr and nothing else, for the tests that check
// that gmr brings no flag library into a program's build (go list -deps),
// and that its reflection keeps the linker's dead-code elimination of
// methods: marker.Unused is in the binary only if something looks methods
// up by a name the linker cannot see.
package main

import "github.com/gmr-go/gmr/gmr"

type marker struct{}

// Unused is called by nothing.
func (marker) Unused() string { return "unused" }

var sink any = marker{}

func main() {
	if sink == nil {
		return
	}
	if _, err := gmr.Setup(); err != nil {
		panic(err)
	}
}
