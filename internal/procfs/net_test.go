package procfs

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// The canned tables were written by a little-endian (amd64) kernel.
func parseCanned(t *testing.T, table string) []Socket {
	t.Helper()
	socks, err := parseTable(readTestdata(t, "net/"+table), table, binary.LittleEndian)
	require.NoError(t, err)
	return socks
}

func TestParseNetIPCanned(t *testing.T) {
	assert.Equal(t, []Socket{
		{Proto: "tcp", Inode: 582, Local: ap("0.0.0.0:2024"), Remote: ap("0.0.0.0:0"), State: "LISTEN"},
		{Proto: "tcp", Inode: 0, Local: ap("127.0.0.1:56668"), Remote: ap("127.0.0.1:45623"), State: "TIME_WAIT"},
		{Proto: "tcp", Inode: 160864, Local: ap("127.0.0.1:48092"), Remote: ap("127.0.0.1:37377"), State: "ESTABLISHED"},
		{Proto: "tcp", Inode: 160356, Local: ap("127.0.0.1:36709"), Remote: ap("0.0.0.0:0"), State: "LISTEN"},
	}, parseCanned(t, "tcp"))

	assert.Equal(t, []Socket{
		{Proto: "tcp6", Inode: 160860, Local: ap("[::1]:38047"), Remote: ap("[::]:0"), State: "LISTEN"},
		{Proto: "tcp6", Inode: 160863, Local: ap("[::]:37377"), Remote: ap("[::]:0"), State: "LISTEN"},
		{Proto: "tcp6", Inode: 160865, Local: ap("[::ffff:127.0.0.1]:37377"), Remote: ap("[::ffff:127.0.0.1]:48092"), State: "ESTABLISHED"},
		{Proto: "tcp6", Inode: 160862, Local: ap("[::1]:38047"), Remote: ap("[::1]:39170"), State: "ESTABLISHED"},
		{Proto: "tcp6", Inode: 160861, Local: ap("[::1]:39170"), Remote: ap("[::1]:38047"), State: "ESTABLISHED"},
	}, parseCanned(t, "tcp6"))

	assert.Equal(t, []Socket{
		{Proto: "udp", Inode: 160374, Local: ap("127.0.0.1:50439"), Remote: ap("0.0.0.0:0"), State: "UNCONNECTED"},
		{Proto: "udp", Inode: 160375, Local: ap("127.0.0.1:50933"), Remote: ap("127.0.0.1:50439"), State: "CONNECTED"},
	}, parseCanned(t, "udp"))

	assert.Equal(t, []Socket{
		{Proto: "udp6", Inode: 160866, Local: ap("[::1]:36114"), Remote: ap("[::]:0"), State: "UNCONNECTED"},
	}, parseCanned(t, "udp6"))
}

func TestParseNetUnixCanned(t *testing.T) {
	assert.Equal(t, []Socket{
		{Proto: "unix", Inode: 160869, Type: "seqpacket", State: "CONNECTED"},
		{Proto: "unix", Inode: 579, Type: "stream", State: "CONNECTED"},
		{Proto: "unix", Inode: 578, Type: "stream", State: "CONNECTED"},
		{Proto: "unix", Inode: 160870, Type: "seqpacket", State: "CONNECTED"},
		{Proto: "unix", Inode: 160868, Type: "dgram", State: "UNCONNECTED", Path: "/tmp/gmr dgram sock"},
		{Proto: "unix", Inode: 160867, Type: "stream", State: "LISTEN", Path: "@gmr-abstract"},
	}, parseCanned(t, "unix"))
}

func TestParseNetMalformed(t *testing.T) {
	tests := []struct {
		file, proto, wantErr string
	}{
		{"bad/truncated.tcp", "tcp", "procfs: parse net/tcp: line 2: " + `"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:000000..."` + ": 9 fields, want at least 10"},
		{"bad/bad-addr.tcp", "tcp", `line 2: local address "0100007G:1F90": address: not hex`},
		{"bad/mixed-families.tcp", "tcp", "line 2: local and remote addresses of different families"},
		{"bad/no-header.tcp", "tcp", "procfs: parse net/tcp: line 1 "},
		{"bad/truncated.unix", "unix", "procfs: parse net/unix: line 2: " + `"0000000053b1d889: 00000003 00000000 00000000 0005 03": 6 fields, want at least 7`},
		{"bad/bad-flags.unix", "unix", `line 2: flags "0001000Z": not hex`},
		{"bad/empty.stat", "udp", "procfs: parse net/udp: empty"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var err error
			if tt.proto == "unix" {
				_, err = ParseNetUnix(readTestdata(t, tt.file))
			} else {
				_, err = ParseNetIP(readTestdata(t, tt.file), tt.proto)
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
	_, err := ParseNetIP(readTestdata(t, "net/tcp"), "raw")
	require.ErrorContains(t, err, "procfs: parse net/raw: not an IP socket table")
}

func TestParseHexAddr(t *testing.T) {
	tests := []struct {
		in      string
		order   binary.ByteOrder
		want    string
		wantErr string
	}{
		{"0100007F:1F90", binary.LittleEndian, "127.0.0.1:8080", ""},
		{"7F000001:1F90", binary.BigEndian, "127.0.0.1:8080", ""},
		{"00000000000000000000000001000000:0050", binary.LittleEndian, "[::1]:80", ""},
		{"00000000000000000000000000000001:0050", binary.BigEndian, "[::1]:80", ""},
		{"B80D0120000000000000000001000000:FFFF", binary.LittleEndian, "[2001:db8::1]:65535", ""},
		{"0100007F", binary.LittleEndian, "", "no colon"},
		{"0100007F:1F9", binary.LittleEndian, "", "port: want four hex digits"},
		{"0100007F:1F9X", binary.LittleEndian, "", "port: not hex"},
		{"0100007F00:1F90", binary.LittleEndian, "", "address: 10 hex digits, want 8 or 32"},
		{"0100007Z:1F90", binary.LittleEndian, "", "address: not hex"},
	}
	for _, tt := range tests {
		got, err := parseHexAddr([]byte(tt.in), tt.order)
		if tt.wantErr != "" {
			assert.ErrorContains(t, err, tt.wantErr, "%q", tt.in)
			continue
		}
		require.NoError(t, err, "%q", tt.in)
		assert.Equal(t, tt.want, got.String(), "%q", tt.in)
	}
}

func TestTCPState(t *testing.T) {
	assert.Equal(t, "ESTABLISHED", TCPState(1))
	assert.Equal(t, "LISTEN", TCPState(0x0A))
	assert.Equal(t, "CLOSE_WAIT", TCPState(8))
	assert.Equal(t, "STATE_00", TCPState(0))
	assert.Equal(t, "STATE_FF", TCPState(0xFF))
}

// TestSocketsCanned looks sockets up in the canned tables, laid out as
// /proc/<pid>/net, including one in no table.
func TestSocketsCanned(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the canned tables are little-endian")
	}
	dir := filepath.Join(t.TempDir(), "7")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "net"), 0o755))
	for _, table := range netTables {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "net", table), readTestdata(t, "net/"+table), 0o644))
	}
	p := FS(filepath.Dir(dir)).Proc(7)
	found, err := p.Sockets(map[uint64]bool{160356: true, 160866: true, 160867: true, 4242: true}, 1<<20)
	require.NoError(t, err)
	assert.Equal(t, map[uint64]Socket{
		160356: {Proto: "tcp", Inode: 160356, Local: ap("127.0.0.1:36709"), Remote: ap("0.0.0.0:0"), State: "LISTEN"},
		160866: {Proto: "udp6", Inode: 160866, Local: ap("[::1]:36114"), Remote: ap("[::]:0"), State: "UNCONNECTED"},
		160867: {Proto: "unix", Inode: 160867, Type: "stream", State: "LISTEN", Path: "@gmr-abstract"},
	}, found)

	// Found in the first table: the others are not read.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "net", "udp"), []byte("garbage\n\x00\n"), 0o644))
	found, err = p.Sockets(map[uint64]bool{582: true}, 1<<20)
	require.NoError(t, err)
	assert.Len(t, found, 1)

	// A malformed line is skipped and reported; a missing table skipped.
	require.NoError(t, os.Remove(filepath.Join(dir, "net", "tcp6")))
	found, err = p.Sockets(map[uint64]bool{160867: true}, 1<<20)
	assert.Len(t, found, 1)
	require.ErrorContains(t, err, "udp line 2: ")
	assert.NotContains(t, err.Error(), "tcp6")

	// A table longer than the bound is cut short, and says so.
	found, err = p.Sockets(map[uint64]bool{160356: true}, 300)
	assert.Empty(t, found)
	require.ErrorContains(t, err, "tcp: stopped after 300 bytes")
}

func TestSocketsSelf(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("no /proc/self/net")
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	c, err := net.Dial("tcp4", l.Addr().String())
	require.NoError(t, err)
	defer c.Close()

	inode := func(conn interface {
		File() (*os.File, error)
	}) uint64 {
		f, err := conn.File()
		require.NoError(t, err)
		defer f.Close()
		target, err := Default.Self().FDTarget(int(f.Fd()))
		require.NoError(t, err)
		kind, n := ParseFDTarget(target)
		require.Equal(t, KindSocket, kind)
		return n
	}
	li, ci := inode(l.(*net.TCPListener)), inode(c.(*net.TCPConn))
	found, err := Default.Self().Sockets(map[uint64]bool{li: true, ci: true}, 8<<20)
	require.NoError(t, err)
	require.Len(t, found, 2)
	assert.Equal(t, l.Addr().String(), found[li].Local.String())
	assert.Equal(t, "LISTEN", found[li].State)
	assert.Equal(t, c.LocalAddr().String(), found[ci].Local.String())
	assert.Equal(t, l.Addr().String(), found[ci].Remote.String())
	assert.Equal(t, "ESTABLISHED", found[ci].State)
}

// FuzzParseNet checks that the socket table parsers never panic, and that
// every socket they accept has addresses of one family.
func FuzzParseNet(f *testing.F) {
	for _, table := range netTables {
		f.Add(readTestdata(f, "net/"+table), table == "unix")
	}
	files, err := filepath.Glob(filepath.Join(testdata, "bad", "*.[tu][cn]*"))
	require.NoError(f, err)
	for _, file := range files {
		f.Add(readTestdata(f, strings.TrimPrefix(file, testdata+"/")), strings.HasSuffix(file, ".unix"))
	}
	f.Fuzz(func(t *testing.T, b []byte, unix bool) {
		if unix {
			socks, err := ParseNetUnix(b)
			if err == nil {
				for _, s := range socks {
					require.Equal(t, "unix", s.Proto)
					require.NotEmpty(t, s.State)
				}
			}
			return
		}
		socks, err := ParseNetIP(b, "tcp")
		if err != nil {
			require.Nil(t, socks)
			return
		}
		for _, s := range socks {
			require.Equal(t, s.Local.Addr().Is4(), s.Remote.Addr().Is4())
			require.NotEmpty(t, s.State)
			_, err := strconv.ParseUint(strconv.FormatUint(s.Inode, 10), 10, 64)
			require.NoError(t, err)
		}
	})
}

func TestScanTableIgnoresLineCutByLimit(t *testing.T) {
	const header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	const row = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n"
	path := filepath.Join(t.TempDir(), "tcp")
	require.NoError(t, os.WriteFile(path, []byte(header+row), 0o600))
	cut := int64(len(header) + strings.Index(row, "12345") + 3) // inside the inode: "123"
	var got []Socket
	err := scanTable(context.Background(), path, "tcp", cut, func(uint64) bool { return true }, func(s Socket) bool {
		got = append(got, s)
		return true
	})
	assert.Empty(t, got, "a line cut inside its inode must not parse as socket 123")
	assert.ErrorContains(t, err, "stopped after")
}

func TestScanSocketsWantAndCancel(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the canned socket tables are little-endian")
	}
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "1", "net"), 0o755))
	for _, table := range netTables {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "procfs", "net", table))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(root, "1", "net", table), b, 0o600))
	}
	p := FS(root).Proc(1)
	var asked []uint64
	var got []Socket
	err := p.ScanSockets(context.Background(), func(inode uint64) bool {
		asked = append(asked, inode)
		return inode == 160356 || inode == 160867
	}, 1<<20, func(s Socket) bool {
		got = append(got, s)
		return true
	})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "tcp", got[0].Proto)
	assert.Equal(t, "LISTEN", got[0].State)
	assert.Equal(t, "unix", got[1].Proto)
	assert.Greater(t, len(asked), 10, "every line's inode is offered")

	// fn returning false stops the scan.
	n := 0
	require.NoError(t, p.ScanSockets(context.Background(), func(uint64) bool { return true }, 1<<20, func(Socket) bool {
		n++
		return false
	}))
	assert.Equal(t, 1, n)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = p.ScanSockets(ctx, func(uint64) bool { return true }, 1<<20, func(Socket) bool { return true })
	assert.NoError(t, err, "the canned tables are shorter than one context check")
}

func TestField(t *testing.T) {
	line := []byte("   0: 0100007F:1F90  00000000:0000 0A")
	assert.Equal(t, "0:", string(field(line, 0)))
	assert.Equal(t, "00000000:0000", string(field(line, 2)))
	assert.Equal(t, "0A", string(field(line, 3)))
	assert.Nil(t, field(line, 4))
	assert.Nil(t, field(nil, 0))
}
