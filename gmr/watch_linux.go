package gmr

import (
	"golang.org/x/sys/unix"

	"github.com/gmr-go/gmr/internal/procfs"
	"github.com/gmr-go/gmr/sections"
)

// readProcSample adds to s the figures of /proc and the cgroup files that
// th needs: open fds and their limit, the cgroup's memory (its working
// set, as the process section and kubelet count it) and tasks against
// their limits, and OS threads. They are read only when watched.
func readProcSample(s *sample, th sections.Thresholds) {
	if th.FDs > 0 {
		var lim unix.Rlimit
		if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) == nil && lim.Cur != unix.RLIM_INFINITY {
			s.fdLimit = int(min(lim.Cur, 1<<31-1))
			s.fds = countFDs()
		}
	}
	// The cgroup's memory is read whatever is watched: the danger rule
	// (a small report near a memory limit) needs it for every report.
	if cg := sections.ReadCgroup(); cg != nil {
		if m := cg.Memory; m != nil && !m.MaxBytes.Unlimited() && m.MaxBytes > 0 {
			s.cgMemory, s.cgLimit = uint64(max(m.WorkingSetBytes, 0)), uint64(m.MaxBytes)
		}
		if p := cg.Pids; p != nil && th.Pids > 0 && !p.Max.Unlimited() && p.Max > 0 {
			s.pids, s.pidsLimit = uint64(max(p.Current, 0)), uint64(p.Max)
		}
	}
	if th.Threads > 0 {
		if st, err := procfs.FS("/proc").Self().Stat(); err == nil {
			s.threads = int(st.NumThreads)
		}
	}
}

// countFDs counts the entries of /proc/self/fd, less its own, without a
// string or an allocation per entry: at 100,000 fds it is a few
// getdents64 calls. It returns 0 if the directory cannot be read.
func countFDs() int {
	fd, err := unix.Open("/proc/self/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	defer unix.Close(fd)
	buf := make([]byte, 64<<10)
	n := 0
	for {
		m, err := unix.Getdents(fd, buf)
		if err != nil || m <= 0 {
			break
		}
		for off := 0; off+19 <= m; {
			// struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name.
			reclen := int(buf[off+16]) | int(buf[off+17])<<8
			if reclen == 0 {
				break
			}
			if name := buf[off+19:]; !(name[0] == '.' && (name[1] == 0 || name[1] == '.' && name[2] == 0)) {
				n++
			}
			off += reclen
		}
	}
	return max(n-1, 0) // the directory's own fd
}
