// Command importer imports gmr and nothing else, for the test that checks
// that gmr brings no flag library into a program's build (go list -deps).
package main

import "github.com/gmr-go/gmr/gmr"

func main() {
	if _, err := gmr.Setup(); err != nil {
		panic(err)
	}
}
