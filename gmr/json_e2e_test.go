//go:build unix

package gmr_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/formatters"
)

// validateReport checks one JSON document against the published schema, at
// ref ("" for a whole report, "#/$defs/record" for one jsonl record).
func validateReport(t *testing.T, ref string, doc []byte) {
	t.Helper()
	const url = "https://gmr.example/report.schema.json"
	schemaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(formatters.JSONSchema()))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	require.NoError(t, c.AddResource(url, schemaDoc))
	sch, err := c.Compile(url + ref)
	require.NoError(t, err)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	require.NoError(t, err, "not JSON: %.500s", doc)
	require.NoError(t, sch.Validate(v), "report does not match the schema")
}

func TestJSONReportFromSignalledChild(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, []string{"GMR_DIR=" + dir, "GMR_FORMAT=json", "K8S_POD_NAME=web-7f9c", "POD_NAMESPACE=shop"}, "-park", "25")
	c.signal(t)
	waitFor(t, 20*time.Second, "json report", func() bool { return len(reportFiles(t, dir)) == 1 })
	name := reportFiles(t, dir)[0]
	require.True(t, strings.HasSuffix(name, ".json"), name)
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	validateReport(t, "", b)

	var rep struct {
		Header struct {
			Service  string         `json:"service"`
			PID      int            `json:"pid"`
			Profiles []string       `json:"profiles"`
			Resource map[string]any `json:"resource"`
		} `json:"header"`
		Sections []struct {
			Name  string          `json:"name"`
			Data  json.RawMessage `json:"data"`
			Error string          `json:"error"`
		} `json:"sections"`
	}
	require.NoError(t, json.Unmarshal(b, &rep))
	assert.Equal(t, "child", rep.Header.Service)
	host, _ := os.Hostname()
	assert.Equal(t, map[string]any{
		"service.name": "child", "service.version": rep.Header.Resource["service.version"], "host.name": host,
		"process.pid": float64(rep.Header.PID), "k8s.pod.name": "web-7f9c", "k8s.namespace.name": "shop",
	}, rep.Header.Resource, "the OpenTelemetry resource names, with the pod and namespace from the environment")
	var names []string
	for _, s := range rep.Sections {
		names = append(names, s.Name)
		assert.Empty(t, s.Error, "section %s", s.Name)
	}
	for _, want := range []string{"package", "config", "goroutines", "threads", "heap"} {
		assert.Contains(t, names, want)
	}

	// The profiles beside the report: named in it, and readable by pprof.
	stem := strings.TrimSuffix(name, ".json")
	assert.Equal(t, []string{stem + ".goroutine.pb.gz", stem + ".heap.pb.gz"}, rep.Header.Profiles)
	for _, p := range rep.Header.Profiles {
		fi, err := os.Stat(filepath.Join(dir, p))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	}
	out, err := exec.Command("go", "tool", "pprof", "-top", filepath.Join(dir, rep.Header.Profiles[0])).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "main.parkedWorker", "pprof finds the child's own function")
	out, err = exec.Command("go", "tool", "pprof", "-top", "-sample_index=alloc_space", filepath.Join(dir, rep.Header.Profiles[1])).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "flat%", "pprof reads the heap profile")
}

func TestJSONLinesReportFromSignalledChild(t *testing.T) {
	c := startChild(t, []string{"GMR_FORMAT=jsonl"}, "-park", "25")
	c.signal(t)
	var line string
	waitFor(t, 20*time.Second, "jsonl report on stderr", func() bool {
		for l := range strings.Lines(c.stderr.String()) {
			if strings.HasPrefix(l, `{"schema_version"`) && strings.HasSuffix(l, "}\n") {
				line = l
				return true
			}
		}
		return false
	})
	assert.Equal(t, 1, strings.Count(line, "\n"), "the whole report is one line")
	validateReport(t, "", []byte(line))
	assert.Contains(t, line, `"name":"goroutines"`)
	assert.Contains(t, line, "main.parkedWorker")
}

func TestJSONLinesPerSectionFromSignalledChild(t *testing.T) {
	c := startChild(t, []string{"GMR_FORMAT=jsonl-sections"}, "-park", "25")
	c.signal(t)
	var records []string
	waitFor(t, 20*time.Second, "one record per section on stderr", func() bool {
		records = records[:0]
		for l := range strings.Lines(c.stderr.String()) {
			if strings.HasPrefix(l, `{"schema_version"`) {
				records = append(records, l)
			}
		}
		return len(records) > 0 && strings.Contains(records[len(records)-1], `"section_name":"environment"`)
	})
	require.GreaterOrEqual(t, len(records), 8, "a record per built-in section at least")
	assert.Contains(t, records[0], `"section_name":"findings"`, "the findings come first")
	for _, rec := range records {
		assert.LessOrEqual(t, len(rec), formatters.DefaultMaxLine, "each record fits the line limit")
		validateReport(t, "#/$defs/record", []byte(rec))
	}
}
