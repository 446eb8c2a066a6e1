package procfs

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCgroup(t *testing.T) {
	lines, err := ParseCgroup(readTestdata(t, "cgroup/hybrid/proc/self/cgroup"))
	require.NoError(t, err)
	assert.Equal(t, []CgroupLine{
		{ID: 9, Controllers: []string{"name=systemd"}, Path: "/"},
		{ID: 8, Controllers: []string{"pids"}, Path: "/"},
		{ID: 4, Controllers: []string{"memory"}, Path: "/process_api/6513dd31"},
		{ID: 1, Controllers: []string{"cpu", "cpuacct"}, Path: "/"},
		{ID: 0, Path: "/"},
	}, lines)

	tests := []struct{ in, wantErr string }{
		{"", "procfs: parse cgroup: empty"},
		{"\n\n", "procfs: parse cgroup: empty"},
		{"0:/x\n", `line 1 "0:/x": want id:controllers:path`},
		{"x::/\n", `line 1: id "x": invalid syntax`},
		{"0::relative\n", `line 1: path "relative" is not absolute`},
		{"0::\n", `line 1: path "" is not absolute`},
	}
	for _, tt := range tests {
		_, err := ParseCgroup([]byte(tt.in))
		assert.ErrorContains(t, err, tt.wantErr, "%q", tt.in)
	}
	lines, err = ParseCgroup([]byte("0::/a:b/c d\n"))
	require.NoError(t, err)
	assert.Equal(t, "/a:b/c d", lines[0].Path, "a path may hold colons and spaces")
}

func TestParseMountinfo(t *testing.T) {
	mounts, err := ParseMountinfo(readTestdata(t, "cgroup/v2/proc/self/mountinfo"))
	require.NoError(t, err)
	assert.Equal(t, []Mount{
		{Root: "/", MountPoint: "/proc", FSType: "proc", SuperOptions: []string{"rw"}},
		{Root: "/", MountPoint: "/sys", FSType: "sysfs", SuperOptions: []string{"rw"}},
		{Root: "/", MountPoint: "/", FSType: "ext4", SuperOptions: []string{"rw", "discard"}},
		{Root: "/", MountPoint: "/sys/fs/cgroup", FSType: "cgroup2", SuperOptions: []string{"rw", "nsdelegate", "memory_recursiveprot"}},
	}, mounts)

	mounts, err = ParseMountinfo([]byte(`36 35 98:0 /a\040b /mnt/x\011y\134z\0 rw - ext3 /dev/root rw` + "\n"))
	require.NoError(t, err)
	assert.Equal(t, []Mount{{Root: "/a b", MountPoint: "/mnt/x\ty\\z\\0", FSType: "ext3", SuperOptions: []string{"rw"}}}, mounts, "octal escapes undone; a short one kept")
	mounts, err = ParseMountinfo([]byte("36 35 98:0 / /mnt rw - ext3\n"))
	require.NoError(t, err)
	assert.Nil(t, mounts[0].SuperOptions, "no source and options")

	tests := []struct{ in, wantErr string }{
		{"", "procfs: parse mountinfo: empty"},
		{"36 35 98:0 / /mnt rw master:1 ext3 /dev/root rw\n", `line 1 "36 35 98:0 / /mnt rw master:1 ext3 /dev/root rw": no " - "`},
		{"36 35 98:0 / /mnt rw -\n", `no " - "`},
		{"- - - - - -\n", `no " - "`},
	}
	for _, tt := range tests {
		_, err := ParseMountinfo([]byte(tt.in))
		assert.ErrorContains(t, err, tt.wantErr, "%q", tt.in)
	}
}

func TestFindCgroup2(t *testing.T) {
	tests := []struct {
		name      string
		cgroup    string
		mountinfo string
		want      CgroupDir
		wantErr   string
	}{
		{
			name:      "service",
			cgroup:    "0::/system.slice/shop.service\n",
			mountinfo: "30 22 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
			want:      CgroupDir{Path: "/system.slice/shop.service", Dir: "/root/sys/fs/cgroup/system.slice/shop.service", Mount: "/root/sys/fs/cgroup"},
		},
		{
			name:      "bind-mounted subtree",
			cgroup:    "0::/kubepods/pod1/ctr\n",
			mountinfo: "30 22 0:27 /kubepods/pod1/ctr /sys/fs/cgroup ro - cgroup2 cgroup rw\n",
			want:      CgroupDir{Path: "/kubepods/pod1/ctr", Dir: "/root/sys/fs/cgroup", Mount: "/root/sys/fs/cgroup"},
		},
		{
			name:   "the deepest mount that holds it",
			cgroup: "0::/a/b/c\n",
			mountinfo: "30 22 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n" +
				"31 22 0:27 /a/b /mnt/b rw - cgroup2 cgroup2 rw\n" +
				"32 22 0:27 /a/x /mnt/x rw - cgroup2 cgroup2 rw\n",
			want: CgroupDir{Path: "/a/b/c", Dir: "/root/mnt/b/c", Mount: "/root/mnt/b"},
		},
		{
			name:      "prefix is not a parent",
			cgroup:    "0::/ab\n",
			mountinfo: "31 22 0:27 /a /mnt/a rw - cgroup2 cgroup2 rw\n",
			wantErr:   `procfs: cgroup v2 "/ab": no cgroup2 file system mounted that holds it`,
		},
		{
			name:      "outside the namespace",
			cgroup:    "0::/../../sys.slice\n",
			mountinfo: "30 22 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
			wantErr:   "no cgroup2 file system mounted that holds it",
		},
		{
			name:      "v1 mounts only",
			cgroup:    "0::/\n",
			mountinfo: "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
			wantErr:   "no cgroup2 file system mounted",
		},
		{
			name:      "no unified line",
			cgroup:    "4:memory:/docker/abc\n",
			mountinfo: "30 22 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
			wantErr:   ErrNoCgroup2.Error(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, err := ParseCgroup([]byte(tt.cgroup))
			require.NoError(t, err)
			mounts, err := ParseMountinfo([]byte(tt.mountinfo))
			require.NoError(t, err)
			got, err := FindCgroup2(lines, mounts, "/root")
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCgroup2Canned(t *testing.T) {
	root := filepath.Join(testdata, "cgroup", "v2")
	p := FS(filepath.Join(root, "proc")).Self()
	lines, err := p.Cgroup()
	require.NoError(t, err)
	mounts, err := p.Mountinfo()
	require.NoError(t, err)
	cg, err := FindCgroup2(lines, mounts, root)
	require.NoError(t, err)
	assert.Equal(t, "/system.slice/shop.service", cg.Path)

	b, err := cg.Read("memory.current")
	require.NoError(t, err)
	v, err := ParseCgroupValue(b)
	require.NoError(t, err)
	assert.Equal(t, int64(900<<20), v)

	var walked []string
	for c, ok := cg, true; ok; c, ok = c.Parent() {
		walked = append(walked, c.Path)
	}
	assert.Equal(t, []string{"/system.slice/shop.service", "/system.slice", "/"}, walked)

	_, err = cg.Read("io.max")
	assert.True(t, IsGone(err), "a file the cgroup lacks: %v", err)

	_, err = FS(filepath.Join(testdata, "cgroup", "v1", "proc")).Self().Cgroup()
	require.NoError(t, err)
}

func TestFindCgroup1(t *testing.T) {
	tests := []struct {
		name, controller, cgroup, mountinfo string
		want                                CgroupDir
		wantErr                             string
	}{
		{
			name:       "host",
			controller: "memory",
			cgroup:     "8:pids:/\n4:memory:/process_api/abc\n0::/\n",
			mountinfo: "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n" +
				"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n" +
				"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n" +
				"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n",
			want: CgroupDir{Path: "/process_api/abc", Dir: "/root/sys/fs/cgroup/memory/process_api/abc", Mount: "/root/sys/fs/cgroup/memory"},
		},
		{
			name:       "container: the mount's root is the cgroup",
			controller: "pids",
			cgroup:     "3:pids:/docker/abc\n",
			mountinfo:  "35 30 0:32 /docker/abc /sys/fs/cgroup/pids ro - cgroup cgroup rw,pids\n",
			want:       CgroupDir{Path: "/docker/abc", Dir: "/root/sys/fs/cgroup/pids", Mount: "/root/sys/fs/cgroup/pids"},
		},
		{
			name:       "co-mounted controllers",
			controller: "cpu",
			cgroup:     "2:cpu,cpuacct:/a\n",
			mountinfo:  "36 30 0:33 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n",
			want:       CgroupDir{Path: "/a", Dir: "/root/sys/fs/cgroup/cpu,cpuacct/a", Mount: "/root/sys/fs/cgroup/cpu,cpuacct"},
		},
		{
			name:       "a v2 mount does not serve v1",
			controller: "memory",
			cgroup:     "4:memory:/a\n",
			mountinfo:  "41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
			wantErr:    `procfs: cgroup v1 memory "/a": no cgroup memory file system mounted that holds it`,
		},
		{
			name:       "another controller's mount",
			controller: "memory",
			cgroup:     "4:memory:/a\n",
			mountinfo:  "39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n",
			wantErr:    "no cgroup memory file system mounted",
		},
		{
			name:       "v2 only",
			controller: "memory",
			cgroup:     "0::/system.slice/x\n",
			mountinfo:  "41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
			wantErr:    ErrNoCgroup1.Error(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, err := ParseCgroup([]byte(tt.cgroup))
			require.NoError(t, err)
			mounts, err := ParseMountinfo([]byte(tt.mountinfo))
			require.NoError(t, err)
			got, err := FindCgroup1(lines, mounts, "/root", tt.controller)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCgroup1Canned(t *testing.T) {
	root := filepath.Join(testdata, "cgroup", "hybrid")
	p := FS(filepath.Join(root, "proc")).Self()
	lines, err := p.Cgroup()
	require.NoError(t, err)
	mounts, err := p.Mountinfo()
	require.NoError(t, err)
	cg, err := FindCgroup1(lines, mounts, root, "memory")
	require.NoError(t, err)
	assert.Equal(t, "/process_api/6513dd31", cg.Path)
	var limits []int64
	for c, ok := cg, true; ok; c, ok = c.Parent() {
		b, err := c.Read("memory.limit_in_bytes")
		require.NoError(t, err)
		v, err := ParseCgroupV1Limit(b)
		require.NoError(t, err)
		limits = append(limits, v)
	}
	assert.Equal(t, []int64{Unlimited, 1 << 30, Unlimited}, limits, "the cgroup, its parent, the root")
}

func TestParseCgroupV1Limit(t *testing.T) {
	for in, want := range map[string]int64{
		"9223372036854771712\n": Unlimited, // 4 KiB pages
		"9223372036854710272\n": Unlimited, // 64 KiB pages
		"9223372036854775807":   Unlimited,
		"4611686018427387904":   Unlimited, // 2^62
		"4611686018427387903":   1<<62 - 1,
		"-1":                    Unlimited,
		"max\n":                 Unlimited,
		"268435456\n":           256 << 20,
		"0":                     0,
	} {
		got, err := ParseCgroupV1Limit([]byte(in))
		require.NoError(t, err, "%q", in)
		assert.Equal(t, want, got, "%q", in)
	}
	for _, in := range []string{"", "-2", "lots", "1.5", "18446744073709551616"} {
		_, err := ParseCgroupV1Limit([]byte(in))
		assert.ErrorContains(t, err, "procfs: parse cgroup v1 limit", "%q", in)
	}
}

func TestCgroupValues(t *testing.T) {
	for in, want := range map[string]int64{"max\n": Unlimited, "0\n": 0, "1073741824\n": 1 << 30, " 12 ": 12} {
		got, err := ParseCgroupValue([]byte(in))
		require.NoError(t, err, "%q", in)
		assert.Equal(t, want, got, "%q", in)
	}
	for _, in := range []string{"", "-1", "lots", "1.5", "max max", "99999999999999999999"} {
		_, err := ParseCgroupValue([]byte(in))
		assert.ErrorContains(t, err, "procfs: parse cgroup value", "%q", in)
	}

	quota, period, err := ParseCPUMax([]byte("150000 100000\n"))
	require.NoError(t, err)
	assert.Equal(t, []int64{150000, 100000}, []int64{quota, period})
	quota, period, err = ParseCPUMax([]byte("max 100000\n"))
	require.NoError(t, err)
	assert.Equal(t, []int64{Unlimited, 100000}, []int64{quota, period})
	for _, in := range []string{"", "max", "1 2 3", "x 100000", "100 0", "100 -5", "100 y"} {
		_, _, err := ParseCPUMax([]byte(in))
		assert.ErrorContains(t, err, "procfs: parse cpu.max", "%q", in)
	}

	m, err := ParseKeyed(readTestdata(t, "cgroup/v2/sys/fs/cgroup/system.slice/shop.service/cpu.stat"))
	require.NoError(t, err)
	assert.Equal(t, uint64(900), m["nr_throttled"])
	assert.Equal(t, uint64(45600000), m["throttled_usec"])
	m, err = ParseKeyed(nil)
	require.NoError(t, err)
	assert.Empty(t, m)
	for _, in := range []string{"a\n", "a 1 2\n", "a -1\n", "a b\n"} {
		_, err := ParseKeyed([]byte(in))
		assert.ErrorContains(t, err, "procfs: parse keyed file: line 1", "%q", in)
	}
}

// FuzzParseCgroupFiles checks that the cgroup and mountinfo parsers never
// panic, and that FindCgroup2 only returns a directory under the mount.
func FuzzParseCgroupFiles(f *testing.F) {
	for _, dir := range []string{"v2", "hybrid", "v1", "container"} {
		f.Add(readTestdata(f, "cgroup/"+dir+"/proc/self/cgroup"), readTestdata(f, "cgroup/"+dir+"/proc/self/mountinfo"))
	}
	f.Add([]byte("0::/../x\n"), []byte("1 2 0:1 /.. /m rw - cgroup2 c rw\n"))
	// cgroup v1 files: memory.stat and the limits, which ParseKeyed and
	// ParseCgroupV1Limit read.
	f.Add(readTestdata(f, "cgroup/v1/sys/fs/cgroup/memory/memory.stat"), readTestdata(f, "cgroup/v1/sys/fs/cgroup/memory/memory.limit_in_bytes"))
	f.Add(readTestdata(f, "cgroup/v1/sys/fs/cgroup/memory/memory.oom_control"), readTestdata(f, "cgroup/hybrid/sys/fs/cgroup/memory/memory.limit_in_bytes"))
	f.Fuzz(func(t *testing.T, cgroup, mountinfo []byte) {
		lines, err1 := ParseCgroup(cgroup)
		mounts, err2 := ParseMountinfo(mountinfo)
		for _, v := range [][]byte{cgroup, mountinfo} {
			ParseCgroupValue(v) //nolint:errcheck // must not panic
			ParseCPUMax(v)      //nolint:errcheck // must not panic
			ParseKeyed(v)       //nolint:errcheck // must not panic
			if l, err := ParseCgroupV1Limit(v); err == nil {
				require.True(t, l == Unlimited || l >= 0 && l < V1Unlimited, "limit %d", l)
			}
		}
		if err1 != nil || err2 != nil {
			return
		}
		for _, controller := range []string{"memory", "pids"} {
			cg, err := FindCgroup1(lines, mounts, "/root", controller)
			if err != nil {
				require.True(t, errors.Is(err, ErrNoCgroup1) || strings.Contains(err.Error(), "no cgroup "+controller+" file system"), "%v", err)
				continue
			}
			require.True(t, cg.Dir == cg.Mount || strings.HasPrefix(cg.Dir, cg.Mount+"/"), "dir %q outside mount %q", cg.Dir, cg.Mount)
		}
		cg, err := FindCgroup2(lines, mounts, "/root")
		if err != nil {
			require.True(t, errors.Is(err, ErrNoCgroup2) || strings.Contains(err.Error(), "no cgroup2 file system"), "%v", err)
			return
		}
		require.True(t, cg.Dir == cg.Mount || strings.HasPrefix(cg.Dir, cg.Mount+"/"), "dir %q outside mount %q", cg.Dir, cg.Mount)
		// The walk up ends at the mount (the section walks at most 64
		// levels, as does this).
		c, ok := cg, true
		for n := 0; ok && n < 64; n++ {
			require.True(t, c.Dir == c.Mount || strings.HasPrefix(c.Dir, c.Mount+"/"), "dir %q outside mount %q", c.Dir, c.Mount)
			c, ok = c.Parent()
		}
	})
}
