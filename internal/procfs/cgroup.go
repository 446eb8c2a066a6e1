package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// CgroupLine is one line of /proc/<pid>/cgroup:
// "hierarchy-id:controllers:path". The cgroup v2 (unified) line has id 0
// and no controllers: "0::/system.slice/shop.service".
type CgroupLine struct {
	ID          int
	Controllers []string
	Path        string
}

// Cgroup reads and parses the cgroup file.
func (p Proc) Cgroup() ([]CgroupLine, error) {
	b, err := readFile(filepath.Join(p.dir, "cgroup"))
	if err != nil {
		return nil, err
	}
	return ParseCgroup(b)
}

// ParseCgroup parses the contents of a cgroup file.
func ParseCgroup(b []byte) ([]CgroupLine, error) {
	var out []CgroupLine
	for n := 1; len(b) > 0; n++ {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		if len(line) == 0 {
			continue
		}
		f := bytes.SplitN(line, []byte(":"), 3)
		if len(f) != 3 {
			return nil, fmt.Errorf("procfs: parse cgroup: line %d %q: want id:controllers:path", n, clip(line))
		}
		id, err := strconv.ParseUint(string(f[0]), 10, 31)
		if err != nil {
			return nil, fmt.Errorf("procfs: parse cgroup: line %d: id %q: %w", n, clip(f[0]), unwrapNum(err))
		}
		if len(f[2]) == 0 || f[2][0] != '/' {
			return nil, fmt.Errorf("procfs: parse cgroup: line %d: path %q is not absolute", n, clip(f[2]))
		}
		l := CgroupLine{ID: int(id), Path: string(f[2])}
		if len(f[1]) > 0 {
			l.Controllers = strings.Split(string(f[1]), ",")
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, errors.New("procfs: parse cgroup: empty")
	}
	return out, nil
}

// Mount is one line of /proc/<pid>/mountinfo.
type Mount struct {
	// Root is the directory of the file system mounted, MountPoint where
	// it is mounted; both unescaped.
	Root, MountPoint string
	// FSType is the file system type: "cgroup2", "cgroup", "ext4", ...
	FSType string
	// SuperOptions are the file system's own options, the last field:
	// for a cgroup v1 hierarchy the controllers it holds, as in
	// "rw,memory" or "rw,cpu,cpuacct".
	SuperOptions []string
}

// Mountinfo reads and parses the mountinfo file.
func (p Proc) Mountinfo() ([]Mount, error) {
	b, err := readFile(filepath.Join(p.dir, "mountinfo"))
	if err != nil {
		return nil, err
	}
	return ParseMountinfo(b)
}

// ParseMountinfo parses the contents of a mountinfo file (proc(5)):
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
func ParseMountinfo(b []byte) ([]Mount, error) {
	var out []Mount
	for n := 1; len(b) > 0; n++ {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		if len(line) == 0 {
			continue
		}
		f := bytes.Split(line, []byte(" "))
		sep := -1
		for i := 6; i < len(f); i++ {
			if string(f[i]) == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || sep+1 >= len(f) {
			return nil, fmt.Errorf(`procfs: parse mountinfo: line %d %q: no " - " before the file system type`, n, clip(line))
		}
		m := Mount{
			Root:       unescapeOctal(string(f[3])),
			MountPoint: unescapeOctal(string(f[4])),
			FSType:     string(f[sep+1]),
		}
		if sep+3 < len(f) {
			m.SuperOptions = strings.Split(string(f[sep+3]), ",")
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, errors.New("procfs: parse mountinfo: empty")
	}
	return out, nil
}

// unescapeOctal undoes the kernel's escaping of space, tab, newline and
// backslash in mountinfo paths as \040, \011, \012 and \134.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ErrNoCgroup2 is returned by [FindCgroup2] when the process is in no
// cgroup v2 (unified) hierarchy, as on a system with cgroup v1 alone.
var ErrNoCgroup2 = errors.New("no cgroup v2 hierarchy in /proc/self/cgroup")

// ErrNoCgroup1 is returned by [FindCgroup1] when the process is in no
// cgroup v1 hierarchy of the controller asked for.
var ErrNoCgroup1 = errors.New("controller not in a cgroup v1 hierarchy in /proc/self/cgroup")

// CgroupDir is a cgroup: of the unified (v2) hierarchy, or of one cgroup v1
// hierarchy (each v1 controller has a tree of its own).
type CgroupDir struct {
	// Path is the cgroup's path, as in /proc/<pid>/cgroup:
	// "/system.slice/shop.service", or "/" for the root of the process's
	// cgroup namespace.
	Path string
	// Dir is the cgroup's directory: where the interface files are.
	Dir string
	// Mount is the cgroup file system's mount point; the walk up through
	// [CgroupDir.Parent] stops there.
	Mount string
}

// FindCgroup2 returns the cgroup v2 of a process, given its cgroup and
// mountinfo files, parsed. The directory is the mount point of a cgroup2
// file system whose root holds the cgroup, joined with the rest of the
// cgroup's path; root is prepended to it (it is "" for the real system, a
// directory of canned files for tests).
func FindCgroup2(lines []CgroupLine, mounts []Mount, root string) (CgroupDir, error) {
	cgPath := ""
	for _, l := range lines {
		if l.ID == 0 && len(l.Controllers) == 0 {
			cgPath = l.Path
		}
	}
	if cgPath == "" {
		return CgroupDir{}, ErrNoCgroup2
	}
	return findCgroup(cgPath, mounts, root, func(m Mount) bool { return m.FSType == "cgroup2" }, "cgroup v2", "cgroup2")
}

// FindCgroup1 returns the cgroup of a process in the cgroup v1 hierarchy
// of controller ("memory", "pids", "cpu", ...), given its cgroup and
// mountinfo files, parsed, as [FindCgroup2] does for v2. It returns
// [ErrNoCgroup1] if no line of the cgroup file names the controller.
func FindCgroup1(lines []CgroupLine, mounts []Mount, root, controller string) (CgroupDir, error) {
	cgPath := ""
	for _, l := range lines {
		if slices.Contains(l.Controllers, controller) {
			cgPath = l.Path
		}
	}
	if cgPath == "" {
		return CgroupDir{}, ErrNoCgroup1
	}
	return findCgroup(cgPath, mounts, root, func(m Mount) bool {
		return m.FSType == "cgroup" && slices.Contains(m.SuperOptions, controller)
	}, "cgroup v1 "+controller, "cgroup "+controller)
}

// findCgroup finds the directory of cgroup cgPath in the mount of those
// match accepts whose root holds it, the deepest if several do.
func findCgroup(cgPath string, mounts []Mount, root string, match func(Mount) bool, what, fsName string) (CgroupDir, error) {
	best, found := Mount{}, false
	for _, m := range mounts {
		if !match(m) {
			continue
		}
		if _, ok := relCgroup(cgPath, m.Root); ok && (!found || len(m.Root) > len(best.Root)) {
			best, found = m, true
		}
	}
	if !found {
		return CgroupDir{}, fmt.Errorf("procfs: %s %q: no %s file system mounted that holds it", what, cgPath, fsName)
	}
	rel, _ := relCgroup(cgPath, best.Root)
	mount := filepath.Join(root, best.MountPoint)
	return CgroupDir{Path: cgPath, Dir: filepath.Join(mount, filepath.FromSlash(rel)), Mount: mount}, nil
}

// relCgroup returns cgPath relative to a mount's root, if the mount holds
// it.
func relCgroup(cgPath, mountRoot string) (string, bool) {
	if strings.Contains(cgPath+"/", "/../") || !strings.HasPrefix(cgPath, "/") {
		// Outside the process's cgroup namespace.
		return "", false
	}
	cgPath, mountRoot = path.Clean(cgPath), path.Clean(mountRoot)
	if mountRoot == "/" {
		return cgPath[1:], true
	}
	if cgPath == mountRoot {
		return "", true
	}
	rest, ok := strings.CutPrefix(cgPath, mountRoot+"/")
	return rest, ok
}

// Parent returns the cgroup's parent, or false at the mount's root.
func (c CgroupDir) Parent() (CgroupDir, bool) {
	if filepath.Clean(c.Dir) == filepath.Clean(c.Mount) || c.Path == "/" {
		return CgroupDir{}, false
	}
	return CgroupDir{Path: path.Dir(c.Path), Dir: filepath.Dir(c.Dir), Mount: c.Mount}, true
}

// Read reads the cgroup's interface file name, such as "memory.max".
func (c CgroupDir) Read(name string) ([]byte, error) {
	return readFile(filepath.Join(c.Dir, name))
}

// Unlimited is the value [ParseCgroupValue] and [ParseCPUMax] return for
// "max".
const Unlimited = -1

// ParseCgroupValue parses a single-value interface file such as
// memory.max, memory.current, pids.max or pids.current: a non-negative
// number, or "max" ([Unlimited]).
func ParseCgroupValue(b []byte) (int64, error) {
	s := string(bytes.TrimSpace(b))
	if s == "max" {
		return Unlimited, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("procfs: parse cgroup value %q: want a non-negative number or \"max\"", clip([]byte(s)))
	}
	return v, nil
}

// V1Unlimited is the least value of a cgroup v1 memory limit that means
// none: writing -1 sets the limit to the most pages the kernel counts
// (PAGE_COUNTER_MAX), which memory.limit_in_bytes reads back as that many
// pages in bytes, 9223372036854771712 with 4 KiB pages and a little less
// with larger ones. No real limit comes near 2^62 bytes.
const V1Unlimited = 1 << 62

// ParseCgroupV1Limit parses a cgroup v1 limit file such as
// memory.limit_in_bytes: a number, with values of [V1Unlimited] and more
// (and -1) read as [Unlimited].
func ParseCgroupV1Limit(b []byte) (int64, error) {
	s := string(bytes.TrimSpace(b))
	if s == "-1" || s == "max" {
		return Unlimited, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("procfs: parse cgroup v1 limit %q: want a non-negative number", clip([]byte(s)))
	}
	if v >= V1Unlimited {
		return Unlimited, nil
	}
	return int64(v), nil
}

// ParseCPUMax parses cpu.max: "$QUOTA $PERIOD" in microseconds, with
// quota "max" ([Unlimited]) for no limit.
func ParseCPUMax(b []byte) (quota, period int64, err error) {
	f := bytes.Fields(b)
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("procfs: parse cpu.max %q: want quota and period", clip(b))
	}
	quota, err = ParseCgroupValue(f[0])
	if err != nil {
		return 0, 0, fmt.Errorf("procfs: parse cpu.max %q: quota: want a number or \"max\"", clip(b))
	}
	period, err = strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil || period <= 0 {
		return 0, 0, fmt.Errorf("procfs: parse cpu.max %q: period: want a positive number", clip(b))
	}
	return quota, period, nil
}

// ParseKeyed parses a flat keyed interface file such as memory.events or
// cpu.stat: "key value" lines with unsigned values.
func ParseKeyed(b []byte) (map[string]uint64, error) {
	m := make(map[string]uint64)
	for n := 1; len(b) > 0; n++ {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		if len(line) == 0 {
			continue
		}
		f := bytes.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("procfs: parse keyed file: line %d %q: want key and value", n, clip(line))
		}
		v, err := strconv.ParseUint(string(f[1]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("procfs: parse keyed file: line %d: %s %q: %w", n, clip(f[0]), clip(f[1]), unwrapNum(err))
		}
		m[string(f[0])] = v
	}
	return m, nil
}
