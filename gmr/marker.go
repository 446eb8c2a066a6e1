package gmr

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/gmr-go/gmr/internal/procfs"
)

// The marker is a small JSON file that Setup writes and Stop removes, so
// that the operator's tool, `gmr dump PID`, can learn what neither the
// build info nor the environment of a process tells it: the signal, trigger
// file, report directory and format that options set in code chose. It is
// written to
//
//	$XDG_RUNTIME_DIR/gmr/<pid>.json     when XDG_RUNTIME_DIR is set, else
//	$TMPDIR/gmr-<uid>/<pid>.json        (/tmp/gmr-<uid>/<pid>.json)
//
// in a directory of mode 0700 that must belong to the process's user, as a
// file of mode 0600, never through a symbolic link. It holds no secret:
// the pid, the service name, the settings below and gmr's version. A
// marker that cannot be written costs one notice, never Setup.

// markerFile is the marker's JSON, the contract with cmd/gmr.
type markerFile struct {
	PID int `json:"pid"`
	// StartTicks is the process's start time in clock ticks after boot
	// (field 22 of /proc/<pid>/stat), so that a marker left behind by a
	// process whose pid was reused is told apart; 0 where unknown.
	StartTicks  uint64 `json:"start_ticks,omitempty"`
	Service     string `json:"service"`
	Signal      string `json:"signal,omitempty"`       // "" without a report signal
	TriggerFile string `json:"trigger_file,omitempty"` // absolute; "" without one
	Dir         string `json:"dir,omitempty"`          // absolute; "" when reports go to stderr
	Format      string `json:"format"`
	GMRVersion  string `json:"gmr_version"`
}

// markerDir returns the directory markers are written to, given the
// process's environment.
func markerDir(getenv func(string) string) string {
	if d := getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(d) {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return filepath.Join(d, "gmr")
		}
	}
	return filepath.Join(os.TempDir(), "gmr-"+strconv.Itoa(os.Geteuid()))
}

// writeMarker writes the Reporter's marker, or a notice saying why it
// could not.
func (r *Reporter) writeMarker() {
	m := markerFile{
		PID:        os.Getpid(),
		Service:    r.s.service,
		Format:     r.s.format.Name(),
		GMRVersion: Version(),
	}
	if st, err := procfs.Default.Self().Stat(); err == nil {
		m.StartTicks = st.StartTime
	}
	if r.sig != nil {
		m.Signal = signalName(r.sig)
	}
	if r.s.triggerFile != "" {
		m.TriggerFile, _ = filepath.Abs(r.s.triggerFile)
	}
	if r.dir != nil {
		m.Dir = r.dir.dir
	}
	b, err := json.Marshal(m)
	var path string
	if err == nil {
		path, err = createMarker(markerDir(r.s.getenv), m.PID, append(b, '\n'))
	}
	switch {
	case err == nil:
		markers.Store(r, path)
	case !errors.Is(err, errMarkerUnsupported):
		r.notice(slog.LevelInfo, fmt.Sprintf("cannot write the marker that tells `gmr dump` this process's signal and report directory: %v", err),
			slog.Any(attrError, err))
	}
}

// markers holds the path of each Reporter's marker (one at a time, as
// Setup allows).
var markers sync.Map // *Reporter -> string

// errMarkerUnsupported is createMarker's error on systems without markers.
var errMarkerUnsupported = errors.New("no marker on this system")

// removeMarker removes the Reporter's marker, if it wrote one.
func (r *Reporter) removeMarker() {
	if p, ok := markers.LoadAndDelete(r); ok {
		os.Remove(p.(string))
	}
}
