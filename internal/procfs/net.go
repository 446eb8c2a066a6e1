package procfs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"strconv"
)

// Socket is one socket from a table in /proc/<pid>/net: tcp, tcp6, udp,
// udp6 or unix. The tables list every socket of the process's network
// namespace, whichever process holds it; a descriptor's socket is found by
// its inode ("socket:[inode]").
type Socket struct {
	// Proto is the table the socket was found in: "tcp", "tcp6", "udp",
	// "udp6" or "unix".
	Proto string
	// Inode is the socket's inode number.
	Inode uint64
	// Local and Remote are an IP socket's addresses; Remote is 0.0.0.0:0
	// (or [::]:0) when the socket is not connected.
	Local, Remote netip.AddrPort
	// State is the socket's state: for TCP the kernel's name for it
	// ("LISTEN", "ESTABLISHED", "CLOSE_WAIT", ...); for UDP "CONNECTED" or
	// "UNCONNECTED"; for Unix sockets "LISTEN", "CONNECTED",
	// "UNCONNECTED", "CONNECTING" or "DISCONNECTING".
	State string
	// Type is a Unix socket's type: "stream", "dgram" or "seqpacket".
	Type string
	// Path is a Unix socket's address: a path, "@name" for an abstract
	// address, or "" when unbound. It may hold any byte but NUL and
	// newline.
	Path string
}

// netTables are the socket tables [Proc.Sockets] reads, in order.
var netTables = []string{"tcp", "tcp6", "udp", "udp6", "unix"}

// Sockets looks up the sockets whose inodes are in want, reading p's
// socket tables line by line and stopping as soon as all are found. It
// reads at most maxBytes of each table, so that a host with a million
// connections cannot make it slow; a table cut short, a malformed line or
// an unreadable table is reported in the error, which is returned together
// with the sockets found. A table that does not exist (tcp6 without IPv6)
// is skipped. Sockets of other kinds (netlink, packet, ...) are not in
// these tables and are never found.
func (p Proc) Sockets(want map[uint64]bool, maxBytes int64) (map[uint64]Socket, error) {
	found := make(map[uint64]Socket, len(want))
	err := p.ScanSockets(context.Background(), func(inode uint64) bool { return want[inode] }, maxBytes, func(s Socket) bool {
		found[s.Inode] = s
		return len(found) < len(want)
	})
	return found, err
}

// ScanSockets reads p's socket tables (tcp, tcp6, udp, udp6, unix, in that
// order) line by line, and calls fn for each socket whose inode want
// reports true for, until fn returns false. A line is parsed in full only
// once want has accepted its inode, so that the sockets of other processes
// in the network namespace cost little. It reads at most maxBytes of each
// table, and stops when ctx is done; a table cut short, a malformed
// wanted line, an unreadable table or ctx's error is reported in the
// error. A table that does not exist (tcp6 without IPv6) is skipped.
func (p Proc) ScanSockets(ctx context.Context, want func(inode uint64) bool, maxBytes int64, fn func(Socket) bool) error {
	var errs []error
	for _, table := range netTables {
		path := filepath.Join(p.dir, "net", table)
		more := true
		err := scanTable(ctx, path, table, maxBytes, want, func(s Socket) bool {
			more = fn(s)
			return more
		})
		if err != nil && !IsGone(err) {
			errs = append(errs, err)
		}
		if !more || ctx.Err() != nil {
			break
		}
	}
	return errors.Join(errs...)
}

// scanTable calls fn for each socket of a table whose inode want accepts,
// until fn returns false. Malformed lines are skipped; the first is
// reported in the error.
func scanTable(ctx context.Context, path, proto string, maxBytes int64, want func(uint64) bool, fn func(Socket) bool) error {
	f, err := openRead(path)
	if err != nil {
		return fmt.Errorf("procfs: %w", err)
	}
	defer closeRead(f)
	r := bufio.NewReaderSize(io.LimitReader(f, maxBytes), 64<<10)
	inodeField := 9
	if proto == "unix" {
		inodeField = 6
	}
	var read int64
	var firstErr error
	for n := 1; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return errors.Join(firstErr, fmt.Errorf("procfs: %s: stopped at line %d: %w", path, n, err))
			}
		}
		line, err := r.ReadSlice('\n')
		read += int64(len(line))
		if err == bufio.ErrBufferFull {
			// A line longer than 64 KiB is not a socket; skip it.
			for err == bufio.ErrBufferFull {
				var more []byte
				more, err = r.ReadSlice('\n')
				read += int64(len(more))
			}
			if firstErr == nil {
				firstErr = fmt.Errorf("procfs: %s line %d: too long", path, n)
			}
			continue
		}
		// A last line cut by maxBytes is not parsed: cut inside its inode
		// column, it would parse as another socket.
		cut := err == io.EOF && read >= maxBytes && !bytes.HasSuffix(line, []byte("\n"))
		if len(line) > 0 && n > 1 && !cut {
			line = bytes.TrimSuffix(line, []byte("\n"))
			inode, ok := parseUint(field(line, inodeField))
			if !ok || want(inode) {
				s, perr := parseSocketLine(line, proto, binary.NativeEndian)
				switch {
				case perr != nil && firstErr == nil:
					firstErr = fmt.Errorf("procfs: %s line %d: %w", path, n, perr)
				case perr == nil && want(s.Inode) && !fn(s):
					return firstErr
				}
			}
		}
		if err == io.EOF {
			if read >= maxBytes {
				return errors.Join(firstErr, fmt.Errorf("procfs: %s: stopped after %d bytes", path, maxBytes))
			}
			return firstErr
		}
		if err != nil {
			return errors.Join(firstErr, fmt.Errorf("procfs: read %s: %w", path, err))
		}
	}
}

// field returns the i'th space-separated field of line, or nil.
func field(line []byte, i int) []byte {
	for k := 0; ; k++ {
		for len(line) > 0 && line[0] == ' ' {
			line = line[1:]
		}
		if len(line) == 0 {
			return nil
		}
		end := bytes.IndexByte(line, ' ')
		if end < 0 {
			end = len(line)
		}
		if k == i {
			return line[:end]
		}
		line = line[end:]
	}
}

// ParseNetIP parses a whole IP socket table, the contents of
// /proc/<pid>/net/tcp, tcp6, udp or udp6; proto names it. The first line is
// the header. Addresses are read in this machine's byte order, as the
// kernel writes them.
func ParseNetIP(b []byte, proto string) ([]Socket, error) {
	switch proto {
	case "tcp", "tcp6", "udp", "udp6":
	default:
		return nil, fmt.Errorf("procfs: parse net/%s: not an IP socket table", proto)
	}
	return parseTable(b, proto, binary.NativeEndian)
}

// ParseNetUnix parses a whole Unix socket table, the contents of
// /proc/<pid>/net/unix. The first line is the header.
func ParseNetUnix(b []byte) ([]Socket, error) {
	return parseTable(b, "unix", binary.NativeEndian)
}

func parseTable(b []byte, proto string, order binary.ByteOrder) ([]Socket, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("procfs: parse net/%s: empty", proto)
	}
	var out []Socket
	for n := 1; len(b) > 0; n++ {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		if n == 1 {
			if !bytes.Contains(line, []byte("Inode")) && !bytes.Contains(line, []byte("inode")) {
				return nil, fmt.Errorf("procfs: parse net/%s: line 1 %q: not a header", proto, clip(line))
			}
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		s, err := parseSocketLine(line, proto, order)
		if err != nil {
			return nil, fmt.Errorf("procfs: parse net/%s: line %d: %w", proto, n, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func parseSocketLine(line []byte, proto string, order binary.ByteOrder) (Socket, error) {
	if proto == "unix" {
		return parseUnixLine(line)
	}
	return parseIPLine(line, proto, order)
}

// parseIPLine parses one line of an IP socket table:
//
//	sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
//	0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 12345 ...
func parseIPLine(line []byte, proto string, order binary.ByteOrder) (Socket, error) {
	f := bytes.Fields(line)
	if len(f) < 10 {
		return Socket{}, fmt.Errorf("%q: %d fields, want at least 10", clip(line), len(f))
	}
	if !bytes.HasSuffix(f[0], []byte(":")) {
		return Socket{}, fmt.Errorf("slot %q: want a number and a colon", clip(f[0]))
	}
	s := Socket{Proto: proto}
	var err error
	if s.Local, err = parseHexAddr(f[1], order); err != nil {
		return Socket{}, fmt.Errorf("local address %q: %w", clip(f[1]), err)
	}
	if s.Remote, err = parseHexAddr(f[2], order); err != nil {
		return Socket{}, fmt.Errorf("remote address %q: %w", clip(f[2]), err)
	}
	if s.Local.Addr().BitLen() != s.Remote.Addr().BitLen() {
		return Socket{}, errors.New("local and remote addresses of different families")
	}
	st, err := strconv.ParseUint(string(f[3]), 16, 8)
	if err != nil || len(f[3]) != 2 {
		return Socket{}, fmt.Errorf("state %q: want two hex digits", clip(f[3]))
	}
	if proto == "udp" || proto == "udp6" {
		s.State = udpState(st)
	} else {
		s.State = TCPState(byte(st))
	}
	if s.Inode, err = strconv.ParseUint(string(f[9]), 10, 64); err != nil {
		return Socket{}, fmt.Errorf("inode %q: %w", clip(f[9]), unwrapNum(err))
	}
	return s, nil
}

// parseHexAddr parses "0100007F:1F90" (IPv4) or 32 hex digits and a port
// (IPv6). The kernel prints each 32-bit word of the address as a number in
// its own byte order, and the port in hex.
func parseHexAddr(b []byte, order binary.ByteOrder) (netip.AddrPort, error) {
	addr, port, ok := bytes.Cut(b, []byte(":"))
	if !ok {
		return netip.AddrPort{}, errors.New("no colon")
	}
	if len(port) != 4 {
		return netip.AddrPort{}, errors.New("port: want four hex digits")
	}
	pn, err := strconv.ParseUint(string(port), 16, 16)
	if err != nil {
		return netip.AddrPort{}, errors.New("port: not hex")
	}
	if len(addr) != 8 && len(addr) != 32 {
		return netip.AddrPort{}, fmt.Errorf("address: %d hex digits, want 8 or 32", len(addr))
	}
	var raw [16]byte
	if _, err := hex.Decode(raw[:len(addr)/2], addr); err != nil {
		return netip.AddrPort{}, errors.New("address: not hex")
	}
	var ip [16]byte
	for i := 0; i < len(addr)/2; i += 4 {
		order.PutUint32(ip[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	a := netip.AddrFrom16(ip)
	if len(addr) == 8 {
		a = netip.AddrFrom4([4]byte(ip[:4]))
	}
	return netip.AddrPortFrom(a, uint16(pn)), nil
}

// tcpStates are the kernel's TCP states, indexed by number
// (include/net/tcp_states.h).
var tcpStates = [...]string{
	1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
	6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN",
	11: "CLOSING", 12: "NEW_SYN_RECV", 13: "BOUND_INACTIVE",
}

// TCPState returns the kernel's name for a TCP state number, as in the st
// column of /proc/net/tcp, or "STATE_<hex>" for an unknown one.
func TCPState(st byte) string {
	if int(st) < len(tcpStates) && tcpStates[st] != "" {
		return tcpStates[st]
	}
	return fmt.Sprintf("STATE_%02X", st)
}

// udpState names a UDP socket's state: the kernel marks a connected UDP
// socket ESTABLISHED and any other CLOSE.
func udpState(st uint64) string {
	switch st {
	case 1:
		return "CONNECTED"
	case 7:
		return "UNCONNECTED"
	}
	return TCPState(byte(st))
}

// parseUnixLine parses one line of /proc/net/unix:
//
//	Num       RefCount Protocol Flags    Type St Inode Path
//	0000000000000000: 00000002 00000000 00010000 0001 01 25497 /run/x.sock
func parseUnixLine(line []byte) (Socket, error) {
	rest := line
	var f [7][]byte
	for i := range f {
		rest = bytes.TrimLeft(rest, " ")
		j := bytes.IndexByte(rest, ' ')
		if j < 0 {
			j = len(rest)
		}
		f[i], rest = rest[:j], rest[j:]
		if len(f[i]) == 0 {
			return Socket{}, fmt.Errorf("%q: %d fields, want at least 7", clip(line), i)
		}
	}
	if !bytes.HasSuffix(f[0], []byte(":")) {
		return Socket{}, fmt.Errorf("slot %q: want an address and a colon", clip(f[0]))
	}
	flags, err := strconv.ParseUint(string(f[3]), 16, 32)
	if err != nil {
		return Socket{}, fmt.Errorf("flags %q: not hex", clip(f[3]))
	}
	typ, err := strconv.ParseUint(string(f[4]), 16, 16)
	if err != nil {
		return Socket{}, fmt.Errorf("type %q: not hex", clip(f[4]))
	}
	st, err := strconv.ParseUint(string(f[5]), 16, 8)
	if err != nil {
		return Socket{}, fmt.Errorf("state %q: not hex", clip(f[5]))
	}
	s := Socket{Proto: "unix"}
	if s.Inode, err = strconv.ParseUint(string(f[6]), 10, 64); err != nil {
		return Socket{}, fmt.Errorf("inode %q: %w", clip(f[6]), unwrapNum(err))
	}
	if len(rest) > 0 {
		// One space separates the inode from the path, which may itself
		// start with or hold spaces.
		s.Path = string(rest[1:])
	}
	switch typ {
	case 1:
		s.Type = "stream"
	case 2:
		s.Type = "dgram"
	case 5:
		s.Type = "seqpacket"
	default:
		s.Type = fmt.Sprintf("type_%d", typ)
	}
	const acceptCon = 1 << 16 // __SO_ACCEPTCON: a listening socket
	switch {
	case flags&acceptCon != 0:
		s.State = "LISTEN"
	case st == 1:
		s.State = "UNCONNECTED"
	case st == 2:
		s.State = "CONNECTING"
	case st == 3:
		s.State = "CONNECTED"
	case st == 4:
		s.State = "DISCONNECTING"
	default:
		s.State = fmt.Sprintf("STATE_%02X", st)
	}
	return s, nil
}
