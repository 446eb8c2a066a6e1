//go:build linux

package sections

import (
	"cmp"
	"context"
	"hash/maphash"
	"slices"
	"strings"

	"github.com/gmr-go/gmr/internal/ownfd"
	"github.com/gmr-go/gmr/internal/procfs"
)

// kindUnreadable is the kind of a descriptor whose target cannot be read.
const kindUnreadable = "unreadable"

// gmrOwn is the group of gmr's own descriptors, which take their turn in
// a bounded list first.
const gmrOwn = "gmr"

// fdKindOrder is the order in which kinds take turns in a bounded list.
var fdKindOrder = []string{gmrOwn, procfs.KindSocket, procfs.KindPipe, procfs.KindFile, procfs.KindDevice,
	procfs.KindAnonInode, procfs.KindOther, kindUnreadable}

// fdReader classifies one process's descriptors. It keeps little per
// descriptor: the counts, the first maxFDs of each kind (the candidates
// for the list), a count per socket inode, and a count per target hash
// for the repeated targets, with the target's text only once it repeats.
type fdReader struct {
	rep    *FDReport
	r      *ProcessReport
	maxFDs int

	ownFDs   map[int]string
	ownPaths map[string]string

	candidates map[string][]fdEntry
	sockets    map[uint64]int // socket inode: descriptors
	seed       maphash.Seed
	seen       map[uint64]int32 // target hash: descriptors, for targets seen once
	repeated   map[uint64]*FDTarget
}

// An fdEntry is a classified descriptor, with its socket's inode.
type fdEntry struct {
	FD
	inode uint64
}

// readFDs lists p's descriptors. It reads the targets of the first
// MaxClassifiedFDs, looks their sockets up in the socket tables, and
// lists at most maxFDs. What it cannot read it notes in r.
func readFDs(ctx context.Context, p procfs.Proc, maxFDs int, limit int64, r *ProcessReport) (*FDReport, error) {
	dir, err := p.OpenFDDir()
	if err != nil {
		r.note("open fds: %v", err)
		return nil, nil
	}
	defer dir.Close()
	fds, total, err := dir.List(MaxClassifiedFDs)
	if err != nil {
		r.note("open fds: %v", err)
		return nil, nil
	}
	rep := &FDReport{
		Count:         total,
		Limit:         Limit(limit),
		Kinds:         map[string]int{},
		SocketStates:  map[string]int{},
		MaxClassified: MaxClassifiedFDs,
		List:          []FD{},
		MaxFDs:        maxFDs,
		Repeated:      []FDTarget{},
	}
	fr := &fdReader{rep: rep, r: r, maxFDs: maxFDs, candidates: map[string][]fdEntry{}, sockets: map[uint64]int{},
		seed: maphash.MakeSeed(), seen: map[uint64]int32{}, repeated: map[uint64]*FDTarget{}}
	if dir.Self() {
		fr.ownFDs, fr.ownPaths = ownfd.Snapshot()
	}
	fr.classify(ctx, dir, fds)
	if ctx.Err() == nil {
		fr.addSockets(ctx, p)
	}
	fr.addList()
	fr.addRepeated()
	return rep, ctx.Err()
}

// classify reads the targets of fds and counts them by kind. Descriptors
// closed since the listing are not counted; those whose target cannot be
// read are of kind "unreadable".
func (fr *fdReader) classify(ctx context.Context, dir *procfs.FDDir, fds []int) {
	rep := fr.rep
	buf := make([]byte, 4096)
	var unreadable error
	for i, fd := range fds {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				fr.r.note("open fds: stopped after reading %d targets: %v", i, err)
				break
			}
		}
		target, err := dir.Readlink(fd, buf)
		switch {
		case procfs.IsGone(err):
			// Closed after the listing.
			rep.Count--
			continue
		case err != nil:
			if unreadable == nil {
				unreadable = err
			}
			rep.Classified++
			rep.Kinds[kindUnreadable]++
			fr.candidate(kindUnreadable, fdEntry{FD: FD{FD: fd, Kind: kindUnreadable, Target: err.Error()}})
			continue
		}
		rep.Classified++
		kind, inode := procfs.ClassifyFDTarget(target)
		rep.Kinds[kind]++
		if what, ok := fr.own(fd, target); ok {
			fr.candidate(gmrOwn, fdEntry{FD: FD{FD: fd, Kind: kind, Target: string(target), Gmr: what}})
			continue
		}
		switch kind {
		case procfs.KindSocket:
			fr.sockets[inode]++
		case procfs.KindPipe:
		default:
			fr.countTarget(target)
		}
		if len(fr.candidates[kind]) < fr.maxFDs {
			fr.candidate(kind, fdEntry{FD: FD{FD: fd, Kind: kind, Target: string(target)}, inode: inode})
		}
	}
	rep.Unclassified = rep.Count - rep.Classified
	if unreadable != nil {
		fr.r.note("open fds: %d targets could not be read: %v", rep.Kinds[kindUnreadable], unreadable)
	}
}

// own reports whether descriptor fd, with target, is gmr's, and what for.
func (fr *fdReader) own(fd int, target []byte) (string, bool) {
	if what, ok := fr.ownFDs[fd]; ok {
		return what, true
	}
	if len(fr.ownPaths) > 0 {
		if what, ok := fr.ownPaths[string(target)]; ok {
			return what, true
		}
	}
	return "", false
}

// candidate keeps e for the list, if its kind has room.
func (fr *fdReader) candidate(kind string, e fdEntry) {
	if len(fr.candidates[kind]) < fr.maxFDs {
		fr.candidates[kind] = append(fr.candidates[kind], e)
	}
}

// countTarget counts a target for the repeated ones, keeping its text
// once it is seen a second time.
func (fr *fdReader) countTarget(target []byte) {
	h := maphash.Bytes(fr.seed, target)
	if t, ok := fr.repeated[h]; ok {
		t.Count++
		return
	}
	if fr.seen[h] == 0 {
		fr.seen[h] = 1
		return
	}
	delete(fr.seen, h)
	fr.repeated[h] = &FDTarget{Target: string(target), Count: 2}
}

// stateKey is a socket's protocol and state, as SocketStates counts them.
type stateKey struct{ proto, state string }

// addSockets looks all the classified sockets up in p's socket tables,
// counts them by state, and describes the listed ones.
func (fr *fdReader) addSockets(ctx context.Context, p procfs.Proc) {
	if len(fr.sockets) == 0 {
		return
	}
	listed := map[uint64]*FDSocket{}
	for _, e := range fr.candidates[procfs.KindSocket] {
		listed[e.inode] = nil
	}
	states := map[stateKey]int{}
	found, foundFDs := 0, 0
	err := p.ScanSockets(ctx, func(inode uint64) bool { return fr.sockets[inode] > 0 }, maxSocketTable, func(s procfs.Socket) bool {
		n := fr.sockets[s.Inode]
		fr.sockets[s.Inode] = -n // found: not wanted again
		states[stateKey{s.Proto, s.State}] += n
		found++
		foundFDs += n
		if _, ok := listed[s.Inode]; ok {
			listed[s.Inode] = fdSocket(s)
		}
		return found < len(fr.sockets)
	})
	if err != nil {
		fr.r.note("sockets: %v", err)
	}
	all := 0
	for _, n := range fr.sockets {
		all += max(n, -n)
	}
	for k, n := range states {
		fr.rep.SocketStates[k.proto+" "+k.state] += n
	}
	if unknown := all - foundFDs; unknown > 0 {
		fr.rep.SocketStates["unknown"] += unknown
	}
	socks := fr.candidates[procfs.KindSocket]
	for i := range socks {
		socks[i].Socket = listed[socks[i].inode]
	}
}

// addList lists at most maxFDs of the candidates, in ascending order: the
// kinds take turns, lowest-numbered first within each.
func (fr *fdReader) addList() {
	rep := fr.rep
	var picked []FD
	next := map[string]int{}
	for len(picked) < fr.maxFDs {
		progress := false
		for _, kind := range fdKindOrder {
			if i := next[kind]; i < len(fr.candidates[kind]) && len(picked) < fr.maxFDs {
				picked = append(picked, fr.candidates[kind][i].FD)
				next[kind]++
				progress = true
			}
		}
		if !progress {
			break
		}
	}
	slices.SortFunc(picked, func(a, b FD) int { return cmp.Compare(a.FD, b.FD) })
	rep.List = append(rep.List, picked...)
	rep.Omitted = rep.Count - len(rep.List)
}

// addRepeated lists the targets, other than sockets and pipes, that more
// than one descriptor refers to, most first, at most maxRepeated.
func (fr *fdReader) addRepeated() {
	rep := fr.rep
	for _, t := range fr.repeated {
		rep.Repeated = append(rep.Repeated, *t)
	}
	slices.SortFunc(rep.Repeated, func(a, b FDTarget) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Target, b.Target))
	})
	if len(rep.Repeated) > maxRepeated {
		rep.Repeated = rep.Repeated[:maxRepeated]
	}
}

// fdSocket describes s for the report.
func fdSocket(s procfs.Socket) *FDSocket {
	out := &FDSocket{Proto: s.Proto, State: s.State, Type: s.Type}
	if s.Proto == "unix" {
		out.Local = s.Path
		return out
	}
	out.Local = s.Local.String()
	if s.Remote.Port() != 0 || !s.Remote.Addr().IsUnspecified() {
		out.Remote = s.Remote.String()
	}
	return out
}
