//go:build unix

package main

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write testdata/golden/view.png from headless Chromium")

// htmlPage writes the HTML view of a real report and returns its path and
// contents.
func htmlPage(t *testing.T) (string, string) {
	t.Helper()
	page := filepath.Join(t.TempDir(), "report.html")
	res := runGMR(t, nil, "view", "--html", "-o", page, realReport(t, 500))
	require.Equal(t, 0, res.code, "stderr: %s", res.stderr)
	b, err := os.ReadFile(page)
	require.NoError(t, err)
	return page, string(b)
}

// resourceRef matches an attribute or CSS reference that would load
// something: src, href, srcset, action, poster, url(...), @import.
var resourceRef = regexp.MustCompile(`(?i)(\b(src|href|srcset|action|poster|data)\s*=\s*["']?\s*(https?:|//))|url\(\s*["']?\s*(https?:|//)|@import`)

func TestViewHTMLIsSelfContained(t *testing.T) {
	_, html := htmlPage(t)
	assert.NotRegexp(t, resourceRef, html, "no external resource")
	for _, s := range []string{"<script src", "<link", "<img", "<iframe", "http://", "https://"} {
		assert.NotContains(t, html, s)
	}
	assert.Contains(t, html, `http-equiv="Content-Security-Policy" content="default-src 'none';`, "the page may not load anything")
	assert.Contains(t, html, `<section id="findings">`)
	assert.Contains(t, html, `<code>goroutine_pileup</code>`, "the finding 500 goroutines in one stack raise")
	assert.Contains(t, html, `<details class="group" data-count="500">`)
	assert.Contains(t, html, `<span class="fn">main.grownWorker</span>`)
	assert.Contains(t, html, `<div class="ice">`)
	assert.Contains(t, html, `title="main.grownWorker: 500 goroutines`)
	for _, id := range []string{"sec-threads", "sec-process", "sec-heap", "sec-config", "sec-package", "sec-environment"} {
		assert.Contains(t, html, `<section id="`+id+`">`)
	}
}

// chromium returns a headless Chromium, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "chromium-headless-shell", "headless_shell", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no headless Chromium (the Debian package chromium or chromium-headless-shell): cannot open the HTML view in a browser")
	return ""
}

// runChromium runs Chromium headless on the page, offline, with args.
func runChromium(t *testing.T, bin, page string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	profile := t.TempDir()
	all := append([]string{
		"--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
		"--user-data-dir=" + profile,
		// No network: every request but file:// fails.
		"--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--host-resolver-rules=MAP * ~NOTFOUND",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
	}, args...)
	cmd := exec.CommandContext(ctx, bin, append(all, "file://"+page)...)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	var stdout strings.Builder
	cmd.Stdout = &stdout
	cmd.Stderr = nil
	require.NoError(t, cmd.Run(), "chromium")
	return stdout.String()
}

func TestViewHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	page, _ := htmlPage(t)
	dom := runChromium(t, bin, page, "--dump-dom")
	// The DOM after the page's script ran: the groups are there, and the
	// filter's count was filled in by the script.
	require.Contains(t, dom, `<details class="group" data-count="500">`, "groups in the DOM")
	assert.Contains(t, dom, "main.grownWorker")
	groups := strings.Count(dom, `<details class="group"`)
	assert.Positive(t, groups)
	assert.Regexp(t, `<span id="shown" class="muted">`+strconv.Itoa(groups)+` groups, \d+ goroutines shown</span>`, dom, "the script ran")
	assert.Contains(t, dom, `class="node"`)

	shot := filepath.Join(t.TempDir(), "view.png")
	runChromium(t, bin, page, "--window-size=1280,1400", "--hide-scrollbars", "--screenshot="+shot)
	b, err := os.ReadFile(shot)
	require.NoError(t, err)
	require.Greater(t, len(b), 10_000, "a real screenshot")
	assert.Equal(t, "\x89PNG", string(b[:4]))
	if *updateScreenshot {
		require.NoError(t, os.WriteFile("../../testdata/golden/view.png", b, 0o644))
	}
}
