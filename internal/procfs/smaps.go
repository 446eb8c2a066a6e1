package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
)

// Maps reads at most maxBytes of the maps file: the process's mappings,
// one line each, without the page counts of smaps. Reading it does not
// walk the page tables, so it is cheap at any memory size; the second
// result reports whether it was cut at maxBytes.
func (p Proc) Maps(maxBytes int) ([]byte, bool, error) {
	return readFileMax(filepath.Join(p.dir, "maps"), maxBytes)
}

// Smaps reads at most maxBytes of the smaps file: each mapping's line, as
// in maps, followed by its page counts. The kernel walks the page tables
// of every mapping to write it, so its cost grows with the resident
// memory. The second result reports whether it was cut at maxBytes.
func (p Proc) Smaps(maxBytes int) ([]byte, bool, error) {
	return readFileMax(filepath.Join(p.dir, "smaps"), maxBytes)
}

// HasGoMappingNames reports whether the contents of a maps or smaps file
// name any of the Go runtime's mappings: "[anon: Go: heap]" and the like,
// which Go 1.25 and later give its memory with prctl(PR_SET_VMA) where the
// kernel allows it (CONFIG_ANON_VMA_NAME, and GODEBUG decoratemappings
// not 0).
func HasGoMappingNames(b []byte) bool {
	return bytes.Contains(b, []byte("[anon: Go: "))
}

// GoMappingName returns the Go runtime's name for a mapping, as in "heap"
// for "[anon: Go: heap]", or "" if name is not one of its mappings.
func GoMappingName(name string) string {
	const prefix, suffix = "[anon: Go: ", "]"
	if len(name) > len(prefix)+len(suffix) && name[:len(prefix)] == prefix && name[len(name)-1:] == suffix {
		return name[len(prefix) : len(name)-1]
	}
	return ""
}

// ParseSmapsRSS parses the contents of an smaps file and returns the
// resident bytes (the Rss lines) of its mappings, summed by mapping name:
// a path, "[heap]", "[stack]", "[anon: Go: heap]", or "" for anonymous
// memory without a name. A last mapping cut short (a bounded read) counts
// as far as it goes, and a last line without its newline is left out.
func ParseSmapsRSS(b []byte) (map[string]uint64, error) {
	out := map[string]uint64{}
	name, inMapping := "", false
	for n := 1; len(b) > 0; n++ {
		var line []byte
		var whole bool
		line, b, whole = bytes.Cut(b, []byte("\n"))
		if len(line) == 0 {
			continue
		}
		if !whole && inMapping {
			// The last line, cut by a bounded read.
			break
		}
		first := line
		if i := bytes.IndexByte(line, ' '); i >= 0 {
			first = line[:i]
		}
		if !bytes.HasSuffix(first, []byte(":")) {
			// A mapping's line: "start-end perms offset dev inode [name]".
			f := bytes.Fields(line)
			if len(f) < 5 || !bytes.Contains(f[0], []byte("-")) {
				return nil, fmt.Errorf("procfs: parse smaps: line %d %q: want a mapping or a \"Key: value\" line", n, clip(line))
			}
			name, inMapping = "", true
			if len(f) > 5 {
				// The name is the rest of the line after the inode, and
				// may hold spaces.
				rest := line
				for range 5 {
					rest = bytes.TrimLeft(rest, " ")
					rest = rest[bytes.IndexByte(rest, ' ')+1:]
				}
				name = string(bytes.TrimLeft(rest, " "))
			}
			if _, ok := out[name]; !ok {
				out[name] = 0
			}
			continue
		}
		if string(first) != "Rss:" {
			continue
		}
		if !inMapping {
			return nil, fmt.Errorf("procfs: parse smaps: line %d: Rss before any mapping", n)
		}
		v, err := parseKB(bytes.TrimLeft(line[len(first):], " \t"))
		if err != nil {
			return nil, fmt.Errorf("procfs: parse smaps: line %d %q: %w", n, clip(line), unwrapNum(err))
		}
		out[name] += v
	}
	if !inMapping {
		return nil, errors.New("procfs: parse smaps: no mappings")
	}
	return out, nil
}
