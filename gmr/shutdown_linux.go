//go:build linux

package gmr

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"sync"
	"syscall"
	"unsafe"
)

// osSignalHandlers mirrors os/signal's registration table, the package
// variable os/signal.handlers (os/signal/signal.go), unchanged from Go 1.14
// to Go 1.27:
//
//	var handlers struct {
//		sync.Mutex
//		m        map[chan<- os.Signal]*handler
//		ref      [numSig]int64 // numSig = 65
//		stopping []stopping    // stopping{c chan<- os.Signal; h *handler}
//	}
//
// signalProbe only locks the mutex and reads ref.
type osSignalHandlers struct {
	mu  sync.Mutex
	_   unsafe.Pointer // m
	ref [65]int64
	_   []struct{ c, h unsafe.Pointer } // stopping
}

// signalProbe reads how many channels os/signal relays a signal to.
type signalProbe struct {
	h *osSignalHandlers
}

// handlersSymbol is the name of os/signal's registration table in the
// symbol table.
const handlersSymbol = "os/signal.handlers"

// signalProbeAnchor is a function whose address, against its symbol's,
// gives the offset at which the binary is loaded (position-independent
// executables).
//
//go:noinline
func signalProbeAnchor() {}

// newSignalProbe finds os/signal's registration table through the
// executable's symbol table. It reads the symbol table once, a few
// milliseconds for a large binary, and fails when the binary has none
// (built with -ldflags=-s) or the table's size is not the one
// osSignalHandlers has.
func newSignalProbe() (*signalProbe, error) {
	f, err := elf.Open("/proc/self/exe")
	if err != nil {
		return nil, fmt.Errorf("cannot read the executable's symbol table: %w", err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if errors.Is(err, elf.ErrNoSymbols) {
		return nil, errors.New("the executable has no symbol table (built with -ldflags=-s, as `go run` does), so gmr cannot tell whether the service handles SIGTERM itself")
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the executable's symbol table: %w", err)
	}
	anchorPC := reflect.ValueOf(signalProbeAnchor).Pointer()
	anchorName := ""
	if fn := runtime.FuncForPC(anchorPC); fn != nil {
		anchorName = fn.Name()
	}
	var table, anchor *elf.Symbol
	for i := range syms {
		switch syms[i].Name {
		case handlersSymbol:
			table = &syms[i]
		case anchorName:
			anchor = &syms[i]
		}
	}
	switch {
	case table == nil || anchor == nil:
		return nil, fmt.Errorf("the executable's symbol table has no %s", handlersSymbol)
	case table.Size != uint64(unsafe.Sizeof(osSignalHandlers{})):
		return nil, fmt.Errorf("%s has %d bytes, not the %d this gmr knows (a newer Go?)", handlersSymbol, table.Size, unsafe.Sizeof(osSignalHandlers{}))
	}
	addr := uintptr(table.Value) + (anchorPC - uintptr(anchor.Value))
	// addr is the address of a package variable, outside the Go heap, and
	// lives as long as the process: converting it is safe.
	return &signalProbe{h: *(**osSignalHandlers)(unsafe.Pointer(&addr))}, nil
}

// listeners returns how many channels os/signal relays sig to, read under
// os/signal's lock.
func (p *signalProbe) listeners(sig os.Signal) int64 {
	n, ok := sig.(syscall.Signal)
	if !ok || n < 0 || int(n) >= len(p.h.ref) {
		return 0
	}
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	return p.h.ref[n]
}

// raise sends sig to the process itself.
func raise(sig os.Signal) {
	if s, ok := sig.(syscall.Signal); ok {
		syscall.Kill(os.Getpid(), s) //nolint:errcheck // a signal to oneself does not fail
	}
}
