//go:build unix

package gmr_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gmr-go/gmr/gmr"
)

// secretCanary is one unique secret that the child hides in one shape.
type secretCanary struct {
	shape string // what it is, for the failure message
	value string
}

// childCanaries makes one canary per field of the child's canaries type
// (testdata/child), and returns them as the child reads them (JSON, by
// field name) and as the list the test searches for.
func childCanaries(t *testing.T) (fields map[string]string, all []secretCanary) {
	t.Helper()
	fields = make(map[string]string)
	add := func(field, tag, shape string) string {
		v := "canary" + tag + canary(t)
		fields[field] = v
		all = append(all, secretCanary{shape, v})
		return v
	}
	add("SectionErr", "1", "1: a custom section's returned error (dial postgres://app:CANARY@db/app)")
	add("Panic", "2", "2: a custom section's panic value (password=CANARY)")
	add("LabelToken", "3t", "3: a pprof label token=CANARY")
	add("LabelAPIKey", "3k", "3: a pprof label api_key=CANARY")
	add("LabelDSN", "3d", "3: a pprof label db=postgres://u:CANARY@h/x")
	add("LabelPin", "4", "4: a pprof label pin=CANARY, secret by WithSecretKeys(\"pin\")")
	add("FieldPW", "5", "5: a custom struct field DBPassword tagged json:\"pw\"")
	a := add("SlashA", "6a", "6: the first half of a URL password with a raw '/' (custom data)")
	b := add("SlashB", "6b", "6: the second half of a URL password with a raw '/' (custom data)")
	all = append(all, secretCanary{"6: a URL password with a raw '/' (custom data), whole", a + "/" + b})
	add("Userinfo", "7u", "7: a *url.Userinfo password under an innocent key (custom data)")
	add("UserinfoValue", "7v", "7: a url.Userinfo value's password under an innocent key (custom data)")
	add("URLPass", "7p", "7: a url.URL / *url.URL password (custom data)")
	add("RawJSON", "rj", "custom data: api_key inside a json.RawMessage")
	add("DataErr", "de", "custom data: a URL password inside an error value")
	add("ConfigPin", "8", "8: WithConfig(\"app\", struct{ Pin string }) with WithSecretKeys(\"pin\")")
	add("ConfigPW", "x5", "5 in WithConfig: a field DBPassword tagged json:\"pw\"")
	a = add("ConfigSlashA", "x6a", "6 in WithConfig: the first half of a URL password with a raw '/'")
	b = add("ConfigSlashB", "x6b", "6 in WithConfig: the second half of a URL password with a raw '/'")
	all = append(all, secretCanary{"6 in WithConfig: a URL password with a raw '/', whole", a + "/" + b})
	add("ConfigUserinfo", "x7", "7 in WithConfig: a *url.Userinfo password under an innocent key")
	add("ConfigUserinfoValue", "x7v", "7 in WithConfig: a url.Userinfo value's password under an innocent key")
	add("TextWriter", "10", "10: custom data's WriteText writing password=CANARY")
	add("Trigger", "tr", "the trigger of a ReportPanic report (panic value: Authorization: Bearer CANARY)")
	add("OnReport", "or", "the panic value of the WithOnReport function (api_key=CANARY), quoted by a notice")
	add("FormatErr", "fe", "9: the error of a failing third-party formatter (https://gmr:CANARY@...), quoted by a notice")
	return fields, all
}

// canaryForms returns the forms in which v must not appear: itself, in hex,
// and in base64 (standard and URL) at each of the three alignments it could
// have inside longer data, so that a secret copied into a []byte that some
// encoder wrote out is found too.
func canaryForms(v string) []string {
	forms := []string{v, hex.EncodeToString([]byte(v)), strings.ToUpper(hex.EncodeToString([]byte(v)))}
	for off := range 3 {
		n := (len(v) - off) / 3 * 3
		chunk := []byte(v[off : off+n])
		forms = append(forms, base64.StdEncoding.EncodeToString(chunk), base64.URLEncoding.EncodeToString(chunk))
	}
	return forms
}

// lineWith returns the line of out that holds s at i, bounded, for a failure
// message.
func lineWith(out string, i int) string {
	start := strings.LastIndexByte(out[:i], '\n') + 1
	end := strings.IndexByte(out[i:], '\n')
	if end < 0 {
		end = len(out)
	} else {
		end += i
	}
	if end-start > 400 {
		start, end = max(start, i-200), min(end, i+200)
	}
	return out[start:end]
}

// assertNoCanary fails for every canary that appears in out, the output of
// door, in any of its forms, quoting the line it appears in.
func assertNoCanary(t *testing.T, all []secretCanary, door, out string) {
	t.Helper()
	for _, c := range all {
		for _, form := range canaryForms(c.value) {
			if i := strings.Index(out, form); i >= 0 {
				t.Errorf("LEAK in %s: canary %s appears (as %q) in the line:\n\t%q", door, c.shape, form, lineWith(out, i))
				break
			}
		}
	}
}

// TestCanarySecretsInChild starts the real child with a unique canary
// hidden in every shape in which a secret can reach gmr (see the child's
// canaries type), signals it, has it write a report with
// Reporter.WriteReport, report a panic whose value quotes a secret, and
// (with the third-party formatter) fail to format with an error quoting a
// secret; its OnReport function panics with a secret each time. It then
// checks that no canary appears anywhere: in the reports in every format,
// to stderr and to files in GMR_DIR, in the WriteReport output, in gmr's
// notices on stderr, in the profiles beside the reports (raw bytes and
// every parsed label value), and in the crash file. The positive controls
// check that the sections are there, that the secrets' places show the
// mask, and that their innocent neighbours are still shown.
//
// GODEBUG=tracebacklabels=1 makes the runtime print goroutine labels in
// stack traces, the panic stack of the boom section among them; GMR_SIGNAL
// holds a bad value quoting a secret, which gmr's notice about it quotes.
func TestCanarySecretsInChild(t *testing.T) {
	fields, all := childCanaries(t)
	envSecret := "canaryenv" + canary(t)
	all = append(all, secretCanary{"a bad GMR_SIGNAL value (postgres://gmr:CANARY@db/x), quoted by a notice", envSecret})
	file := filepath.Join(t.TempDir(), "canaries.json")
	b, err := json.Marshal(fields)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, b, 0o600))

	type run struct {
		name   string
		format string // a GMR_FORMAT name, or "dump" for the child's third-party formatter
		dir    bool   // reports to files in GMR_DIR, not stderr
		only   bool   // WithOnlySections(config, environment, the custom sections, goroutines)
	}
	var runs []run
	for _, format := range append(gmr.FormatNames(), "dump") {
		runs = append(runs, run{format + "/stderr", format, false, false}, run{format + "/dir", format, true, false})
	}
	runs = append(runs, run{"only/text/dir", "text", true, true}, run{"only/jsonl/stderr", "jsonl", false, true})

	for _, tc := range runs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			dir := ""
			if tc.dir {
				dir = filepath.Join(tmp, "reports")
			}
			env := []string{
				"GMR_DIR=" + dir,
				"GMR_FORMAT=" + strings.Replace(tc.format, "dump", "text", 1),
				"GMR_SIGNAL=postgres://gmr:" + envSecret + "@db/x",
				"GMR_ENV_ALLOW=",
				"GMR_TRIGGER_FILE=",
				"GODEBUG=tracebacklabels=1",
			}
			args := []string{"-canaries", file}
			if tc.only {
				args = append(args, "-only-sections")
			}
			if tc.format == "dump" {
				args = append(args, "-dump-formatter")
			}
			c := startChild(t, env, args...)
			reported := func(n int) func() bool {
				return func() bool { return strings.Count(c.stdout.String(), "reported ") >= n }
			}

			// A real signal: the report, then the OnReport function,
			// which says so on stdout and panics.
			c.signal(t)
			waitFor(t, 20*time.Second, "the signalled report", reported(1))
			// Reporter.WriteReport, to a file of the test's.
			written := filepath.Join(tmp, "write-report.out")
			c.send(t, "write-report "+written)
			waitFor(t, 20*time.Second, "WriteReport", func() bool { return strings.Contains(c.stdout.String(), "wrote ") })
			if tc.format == "dump" {
				c.send(t, "fail-format")
				waitFor(t, 5*time.Second, "the formatter armed to fail", func() bool { return strings.Contains(c.stdout.String(), "armed") })
			}
			// A panic reported by ReportPanic: its value is the trigger.
			c.send(t, "panic-report")
			waitFor(t, 20*time.Second, "the panic report", func() bool {
				return reported(2)() && strings.Contains(c.stdout.String(), "panicked")
			})
			var crash []string
			if tc.dir {
				matches, err := filepath.Glob(filepath.Join(dir, "*-crash.txt"))
				require.NoError(t, err)
				require.Len(t, matches, 1, "Setup opened a crash output file")
				crash = matches
			}
			c.stop(t)

			// Every door, by name, and the reports among them.
			doors := map[string]string{"stderr": c.stderr.String(), "child stdout": c.stdout.String()}
			wr, err := os.ReadFile(written)
			require.NoError(t, err)
			doors["WriteReport"] = string(wr)
			reports := []string{string(wr)}
			if !tc.dir {
				reports = append(reports, c.stderr.String())
			}
			var profiles []*profile.Profile
			if tc.dir {
				entries, err := os.ReadDir(dir)
				require.NoError(t, err)
				for _, e := range entries {
					b, err := os.ReadFile(filepath.Join(dir, e.Name()))
					require.NoError(t, err)
					doors[e.Name()] = string(b)
					switch {
					case strings.HasSuffix(e.Name(), ".pb.gz"):
						zr, err := gzip.NewReader(bytes.NewReader(b))
						require.NoError(t, err, e.Name())
						raw, err := io.ReadAll(zr)
						require.NoError(t, err, e.Name())
						doors[e.Name()+" (gunzipped)"] = string(raw)
						p, err := profile.ParseData(b)
						require.NoError(t, err, e.Name())
						var labels strings.Builder
						for _, s := range p.Sample {
							for k, vs := range s.Label {
								for _, v := range vs {
									labels.WriteString(k + "=" + v + "\n")
								}
							}
						}
						doors[e.Name()+" (parsed label values)"] = labels.String()
						doors[e.Name()+" (parsed)"] = p.String()
						if strings.HasSuffix(e.Name(), ".goroutine.pb.gz") {
							profiles = append(profiles, p)
						}
					case strings.HasSuffix(e.Name(), "-crash.txt"):
					default:
						reports = append(reports, string(b))
					}
				}
				// The crash file, read after the child exited normally:
				// removed when empty, and canary-free if it is not.
				for _, name := range crash {
					if b, err := os.ReadFile(name); err == nil {
						doors["crash file "+filepath.Base(name)] = string(b)
					} else {
						require.ErrorIs(t, err, os.ErrNotExist)
					}
				}
			}

			for door, out := range doors {
				assertNoCanary(t, all, door, out)
			}

			// Positive controls: the test can fail.
			// WriteReport, and the signalled and the panic reports: in
			// two files, or both on stderr.
			if want := map[bool]int{true: 3, false: 2}[tc.dir]; len(reports) != want {
				t.Fatalf("%d reports, want %d", len(reports), want)
			}
			out := strings.Join(reports, "\n")
			checkCanaryReport(t, tc.format, tc.only, out)
			stderr := c.stderr.String()
			wantNotice(t, tc.format, stderr, "OnReport function panicked: OnReport: api_key=***")
			wantNotice(t, tc.format, stderr, `ignoring GMR_SIGNAL="postgres://gmr:***@db/x"`)
			if tc.format == "dump" {
				wantNotice(t, tc.format, stderr, `formatter "dump" failed: upload report to https://gmr:***@reports.example/: 403 Forbidden; writing the report as text`)
			}
			if tc.dir {
				wantNotice(t, tc.format, stderr, "report (signal SIGUSR2) written to "+dir)
				wantProfiles := 4 // goroutine and heap, for the signalled and the panic report
				if tc.only {
					wantProfiles = 2 // no heap section
				}
				assert.Len(t, profileFiles(t, dir), wantProfiles)
				require.Len(t, profiles, 2, "a goroutine profile beside each report")
				for _, p := range profiles {
					checkProfileLabels(t, p)
				}
			}
		})
	}
}

// profileFiles lists the profiles in dir.
func profileFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.pb.gz"))
	require.NoError(t, err)
	return names
}

// checkProfileLabels checks that the child's labelled goroutines are in p,
// with their secret labels masked and their innocent label shown.
func checkProfileLabels(t *testing.T, p *profile.Profile) {
	t.Helper()
	var payments, vault bool
	for _, s := range p.Sample {
		switch team := s.Label["team"]; {
		case len(team) == 1 && team[0] == "payments":
			payments = true
			assert.Equal(t, []string{"***"}, s.Label["token"])
			assert.Equal(t, []string{"***"}, s.Label["api_key"])
			assert.Equal(t, []string{"postgres://u:***@h/x"}, s.Label["db"])
		case len(team) == 1 && team[0] == "vault":
			vault = true
			assert.Equal(t, []string{"***"}, s.Label["pin"])
		}
	}
	assert.True(t, payments, "the goroutine labelled team=payments is in the profile")
	assert.True(t, vault, "the goroutine labelled team=vault is in the profile")
}

// wantIn fails unless out contains want, without quoting all of out.
func wantIn(t *testing.T, what, out, want string) {
	t.Helper()
	if !strings.Contains(out, want) {
		t.Errorf("%s: no %q", what, want)
	}
}

// wantNotice fails unless stderr has a notice whose message starts with
// msg: a "gmr: " line for the text formats, a JSON line with "gmr":true for
// the JSON ones.
func wantNotice(t *testing.T, format, stderr, msg string) {
	t.Helper()
	if format == "text" || format == "dump" {
		wantIn(t, "stderr", stderr, "gmr: "+msg)
		return
	}
	for line := range strings.Lines(stderr) {
		var n struct {
			GMR bool   `json:"gmr"`
			Msg string `json:"msg"`
		}
		if json.Unmarshal([]byte(line), &n) == nil && n.GMR && strings.HasPrefix(n.Msg, msg) {
			return
		}
	}
	t.Errorf("stderr: no JSON notice %q", msg)
}

// wantMatch fails unless out matches the regular expression re, and with
// not, unless it does not; without quoting all of out.
func wantMatch(t *testing.T, what, out, re string, not bool) {
	t.Helper()
	if regexp.MustCompile(re).MatchString(out) == not {
		if not {
			t.Errorf("%s: matches %s", what, re)
		} else {
			t.Errorf("%s: does not match %s", what, re)
		}
	}
}

// checkCanaryReport checks what the reports show in the canaries' places:
// the mask, and the innocent neighbours.
func checkCanaryReport(t *testing.T, format string, only bool, out string) {
	t.Helper()
	lower := strings.ToLower(out)
	for _, name := range []string{"dial", "boom", "canarydata", "textwriter", "goroutines", "config", "environment"} {
		wantIn(t, "the reports (section names)", lower, name)
	}
	for _, want := range []string{
		"dial postgres://app:***@db/app: connection refused", // 1: user and host shown
		`bad config: password=***`,                           // 2
		"postgres://u:***@h/x",                               // 3: the DSN label
		"payments", "vault",                                  // 3, 4: the innocent label
		"postgres://app:***@db/app6",                 // 6
		"app:***",                                    // 7: the Userinfo's user
		"https://app:***@db/link",                    // 7: the url.URL
		"https://app:***@db/link-ptr",                // 7: the *url.URL
		"connect postgres://app:***@db/app: timeout", // the error value in custom data
		"postgres://app:***@db/config6",              // 6 in WithConfig
		"request failed: Authorization: ***",         // the ReportPanic trigger
		"trigger", "signal SIGUSR2",
	} {
		wantIn(t, "the reports", out, want)
	}
	switch format {
	case "text":
		for _, re := range []string{
			`(?m)^pw = \*\*\*$`,                                // 5
			`(?m)^user = app$`,                                 // 5: its innocent neighbour
			`(?m)^conn = app:\*\*\*$`,                          // 7
			`(?m)^info = app:\*\*\*$`,                          // 7: the url.Userinfo value
			`(?m)^raw = \{"region":"eu","api_key":"\*\*\*"\}$`, // the json.RawMessage
			`(?m)^password=\*\*\*$`,                            // 10
			`(?m)^visible = textwriter-visible$`,               // 10: its innocent neighbour
			`(?m)^ *app\.Pin = \*\*\*$`,                        // 8
			`(?m)^ *app\.pw = \*\*\*$`,                         // 5 in WithConfig
			`(?m)^ *app\.Conn = app:\*\*\*$`,                   // 7 in WithConfig
			`(?m)^trigger = panic: request failed: Authorization: \*\*\*$`,
			// 3, 4: the two labelled goroutines share a stack, so one group
			// summarises their labels by key.
			`(?m)^  label api_key: \*\*\* \(1\); 1 without it$`,
			`(?m)^  label db: postgres://u:\*\*\*@h/x \(1\); 1 without it$`,
			`(?m)^  label pin: \*\*\* \(1\); 1 without it$`,
			`(?m)^  label team: payments \(1\), vault \(1\)$`,
			`(?m)^  label token: \*\*\* \(1\); 1 without it$`,
			// 3, 4 in the boom section's panic stack (tracebacklabels=1), which
			// Go 1.26 prints as labels:{"pin": "..."} and Go 1.27 as {pin: ...}
			`(?m)^ +goroutine \d+ \[running.*\bpin"?: "?\*\*\*`,
		} {
			wantMatch(t, "the text reports", out, re, false)
		}
		// WithOnlySections leaves the heap section out.
		wantMatch(t, "the text reports", out, `(?m)^==== +Heap +====$`, only)
	case "dump":
		for _, want := range []string{
			`report.Member{Key:"pw", Value:"***"}`,       // 5
			`report.Member{Key:"user", Value:"app"}`,     // 5: its innocent neighbour
			`report.Member{Key:"conn", Value:"app:***"}`, // 7
			`report.Member{Key:"info", Value:"app:***"}`, // 7: the url.Userinfo value
			"text: password=***",                         // 10
			"text: visible = textwriter-visible",         // 10
			"api_key:[***]", "token:[***]", "pin:[***]",  // 3, 4 in the profile handed to the formatter
			"db:[postgres://u:***@h/x]", "team:[payments]", // 3
			`panic value: "bad config: password=***"`, // 2
		} {
			wantIn(t, "the dump reports", out, want)
		}
	default: // json, jsonl, jsonl-sections
		for _, re := range []string{
			`"pw":\s*"\*\*\*"`,                            // 5
			`"user":\s*"app"`,                             // 5: its innocent neighbour
			`"conn":\s*"app:\*\*\*"`,                      // 7
			`"info":\s*"app:\*\*\*"`,                      // 7: the url.Userinfo value
			`"region":\s*"eu"`,                            // the json.RawMessage's innocent member
			`"visible":\s*"textwriter-visible"`,           // 10
			`"key":\s*"token",[^}]*"value":\s*"\*\*\*"`,   // 3, in the group's varying_labels
			`"key":\s*"api_key",[^}]*"value":\s*"\*\*\*"`, // 3
			`"key":\s*"pin",[^}]*"value":\s*"\*\*\*"`,     // 4
			`"value":\s*"payments"`,                       // 3: the innocent team label
			`app\.Pin"[^}]*"\*\*\*"`,                      // 8
		} {
			wantMatch(t, "the JSON reports", out, re, false)
		}
		// WithOnlySections leaves the heap section out.
		wantMatch(t, "the JSON reports", out, `"(section_)?name":\s*"heap"`, only)
	}
}
