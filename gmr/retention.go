package gmr

import (
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// reportNameRE matches the files gmr writes for a service, with the report
// stem (service, time, pid, sequence or "crash") as its first group:
//
//	svc-20261125T170000.123456Z-4242-000001.txt
//	svc-20261125T170000.123456Z-4242-000001.goroutine.pb.gz
//	svc-20261125T170000.123456Z-4242-crash.txt
func reportNameRE(service string) *regexp.Regexp {
	return regexp.MustCompile(`^(` + regexp.QuoteMeta(safeName(service)) +
		`-\d{8}T\d{6}\.\d{6}Z-\d+-(?:\d{6,}|crash))\.[a-z0-9.]+$`)
}

// prune removes this service's oldest reports from the report directory
// until at most maxReports remain and they take at most maxBytes, and the
// empty crash files of this service's processes that no longer exist (a
// process that ended without Stop: os.Exit, SIGKILL, a crash loop). The
// report just written (keep) and this process's crash file are never
// removed, nor is any file whose name gmr would not have made for this
// service, nor the crash file of a process that still runs. Files are listed
// and removed through the directory opened at Setup. Errors are ignored:
// retention must never cost a report.
func (r *Reporter) prune(keep fileMeta) {
	entries, err := r.dir.list()
	if err != nil {
		return
	}
	re := r.names
	type stem struct {
		name  string
		files []string
		size  int64
	}
	byStem := map[string]*stem{}
	for _, e := range entries {
		m := re.FindStringSubmatch(e.name)
		if m == nil {
			continue
		}
		st := byStem[m[1]]
		if st == nil {
			st = &stem{name: m[1]}
			byStem[m[1]] = st
		}
		st.files = append(st.files, e.name)
		st.size += e.size
	}
	keepStem := strings.TrimSuffix(keep.fileName(), "."+keep.ext)
	crashStem := ""
	if r.crash != "" {
		crashStem = strings.TrimSuffix(filepath.Base(r.crash), ".txt")
	}
	stems := make([]*stem, 0, len(byStem))
	var total int64
	for _, st := range byStem {
		// An empty crash file belongs to a process that is still running
		// (it is removed when that process stops): deleting it would lose
		// that process's crash output. It is neither counted nor removed.
		if st.name == crashStem {
			continue
		}
		if strings.HasSuffix(st.name, "-crash") && st.size == 0 {
			if processGone(crashPID(st.name)) {
				r.dir.remove(st.files)
			}
			continue
		}
		stems = append(stems, st)
		total += st.size
	}
	// Names sort by time, oldest first.
	slices.SortFunc(stems, func(a, b *stem) int { return strings.Compare(a.name, b.name) })

	if r.s.maxReports == 0 && r.s.maxBytes == 0 {
		return
	}
	count := len(stems)
	for _, st := range stems {
		over := r.s.maxReports > 0 && count > r.s.maxReports || r.s.maxBytes > 0 && total > r.s.maxBytes
		if !over {
			break
		}
		if st.name == keepStem {
			continue
		}
		r.dir.remove(st.files)
		count--
		total -= st.size
	}
}

// crashPID returns the process id in a crash file's stem,
// "svc-20261125T170000.123456Z-4242-crash", or 0.
func crashPID(stem string) int {
	rest := strings.TrimSuffix(stem, "-crash")
	i := strings.LastIndexByte(rest, '-')
	pid, err := strconv.Atoi(rest[i+1:])
	if err != nil {
		return 0
	}
	return pid
}

// isCrashFile reports whether name is that of a crash output file, as
// setCrashOutput names it, so that the file's descriptors can be
// registered as gmr's own.
func isCrashFile(name string) bool {
	return crashNameRE.MatchString(name)
}

// crashNameRE matches a crash output file's name, of any service.
var crashNameRE = regexp.MustCompile(`-\d{8}T\d{6}\.\d{6}Z-\d+-crash\.txt$`)
