package formatters_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gmr-go/gmr/formatters"
	"github.com/gmr-go/gmr/gmr/report"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pythonValidator validates the files named on its command line against
// the schema given first, with python-jsonschema's Draft 2020-12 validator:
// a validator written independently of the Go one the other tests use.
// Each file is "KIND:PATH": KIND "report" is one JSON document, "lines" a
// report on each line, "records" a #/$defs/record on each line. It prints
// one line per invalid document and exits 1 if there was any, 2 if it
// could not run.
const pythonValidator = `
import json, sys
from jsonschema import Draft202012Validator

with open(sys.argv[1], encoding="utf-8") as f:
    schema = json.load(f)
Draft202012Validator.check_schema(schema)
checker = getattr(Draft202012Validator, "FORMAT_CHECKER", None)
whole = Draft202012Validator(schema, format_checker=checker)
record = dict(schema)
for k in ("title", "description", "type", "additionalProperties", "required", "properties"):
    record.pop(k, None)
record["$ref"] = "#/$defs/record"
records = Draft202012Validator(record, format_checker=checker)

def leaves(errors):
    # The errors under an anyOf or allOf, down to the ones that name a
    # field: the anyOf of a section's data is "null, or the section's
    # schema".
    for err in sorted(errors, key=lambda e: list(e.absolute_path)):
        if err.context:
            yield from leaves(err.context)
        else:
            yield err

bad = 0
checked = 0
for arg in sys.argv[2:]:
    kind, path = arg.split(":", 1)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    docs = [text] if kind == "report" else text.splitlines()
    v = records if kind == "records" else whole
    for i, doc in enumerate(docs, 1):
        checked += 1
        for err in leaves(v.iter_errors(json.loads(doc))):
            bad += 1
            where = "/" + "/".join(str(p) for p in err.absolute_path)
            print(f"{path}:{i}: at {where}: {err.message}"[:300])
print(f"checked {checked} documents, {bad} errors")
sys.exit(1 if bad else 0)
`

// python returns the Python interpreter to run (GMR_PYTHON or python3), or
// skips the test with the reason if it has no jsonschema module.
func python(t *testing.T) string {
	t.Helper()
	py := os.Getenv("GMR_PYTHON")
	if py == "" {
		py = "python3"
	}
	out, err := exec.Command(py, "-c", "import jsonschema; from jsonschema import Draft202012Validator").CombinedOutput()
	if err != nil {
		t.Skipf("python-jsonschema is not available to %s, so the second validator does not run (install it with: python3 -m pip install 'jsonschema>=4.18', or apt-get install python3-jsonschema): %v: %s",
			py, err, bytes.TrimSpace(out))
	}
	return py
}

// runPythonValidator writes the schema to dir and runs pythonValidator over
// files, each "KIND:PATH"; it returns the validator's output and whether it
// found every document valid.
func runPythonValidator(t *testing.T, py, dir string, files ...string) (string, bool) {
	t.Helper()
	schema := filepath.Join(dir, "report.schema.json")
	require.NoError(t, os.WriteFile(schema, formatters.JSONSchema(), 0o644))
	script := filepath.Join(dir, "validate.py")
	require.NoError(t, os.WriteFile(script, []byte(pythonValidator), 0o644))
	out, err := exec.Command(py, append([]string{script, schema}, files...)...).CombinedOutput()
	if exit, ok := err.(*exec.ExitError); ok && exit.ExitCode() == 1 {
		return string(out), false
	}
	require.NoError(t, err, "the python validator could not run:\n%s", out)
	return string(out), true
}

// TestSchemaPythonValidator has python-jsonschema, a second validator
// written independently of the Go one, check the json, jsonl and
// jsonl-sections output of a report of every built-in section (collected
// for real with report.Run) and of the fixture, against the schema.
func TestSchemaPythonValidator(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	var files []string
	for name, r := range map[string]*report.Report{"real": realReport(t), "fixture": jsonReport(t)} {
		for _, out := range []struct {
			kind, file string
			f          formatters.Formatter
		}{
			{"report", name + ".json", formatters.JSON{}},
			{"lines", name + ".jsonl", formatters.JSONLines{}},
			{"records", name + "_sections.jsonl", formatters.JSONLines{PerSection: true}},
			{"records", name + "_sections_700.jsonl", formatters.JSONLines{PerSection: true, MaxLine: 700}},
		} {
			path := filepath.Join(dir, out.file)
			require.NoError(t, os.WriteFile(path, formatBytes(t, out.f, r), 0o644))
			files = append(files, out.kind+":"+path)
		}
	}
	out, ok := runPythonValidator(t, py, dir, files...)
	assert.True(t, ok, "python-jsonschema finds the reports invalid:\n%s", out)
	assert.Contains(t, out, "0 errors")
	t.Log(strings.TrimSpace(out))
}

// TestSchemaPythonValidatorRefuses checks that the python validator does
// check: a stray field in each built-in section's data, a duration in
// nanoseconds under its version 1 name, and a wrong schema_version are
// each refused.
func TestSchemaPythonValidatorRefuses(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	good := formatBytes(t, formatters.JSON{}, realReport(t))
	tamper := func(name string, edit func(doc map[string]any)) string {
		var doc map[string]any
		require.NoError(t, json.Unmarshal(good, &doc))
		edit(doc)
		b, err := json.Marshal(doc)
		require.NoError(t, err)
		path := filepath.Join(dir, name+".json")
		require.NoError(t, os.WriteFile(path, b, 0o644))
		return "report:" + path
	}
	var files []string
	for _, name := range builtinNames {
		files = append(files, tamper("unknown_field_"+name, func(doc map[string]any) {
			for _, s := range doc["sections"].([]any) {
				if sec := s.(map[string]any); sec["name"] == name {
					sec["data"].(map[string]any)["unknown_field"] = 1
				}
			}
		}))
	}
	files = append(files,
		tamper("version", func(doc map[string]any) { doc["schema_version"] = "1" }),
		tamper("nanoseconds", func(doc map[string]any) {
			for _, s := range doc["sections"].([]any) {
				if sec := s.(map[string]any); sec["name"] == "heap" {
					data := sec["data"].(map[string]any)
					data["recent_pauses"] = []any{80000}
					delete(data, "recent_pauses_ms")
				}
			}
		}))
	out, ok := runPythonValidator(t, py, dir, files...)
	require.False(t, ok, "the python validator refuses the tampered reports:\n%s", out)
	for _, f := range files {
		path := strings.TrimPrefix(f, "report:")
		assert.Contains(t, out, path+":1: ", "the python validator refuses %s:\n%s", filepath.Base(path), out)
	}
	assert.Contains(t, out, "'unknown_field' was unexpected")
	assert.Contains(t, out, "at /schema_version: '2' was expected")
	assert.Contains(t, out, "'recent_pauses_ms' is a required property")
}
