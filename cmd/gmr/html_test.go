package main

import (
	"bytes"
	"encoding/json"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deepReport is a small report whose custom sections each hold data nested
// depth arrays deep: indented in full, each would take depth² bytes.
func deepReport(sections, depth int) []byte {
	deep := strings.Repeat("[", depth) + strings.Repeat("]", depth)
	var secs []string
	for i := range sections {
		name, _ := json.Marshal("custom" + string(rune('a'+i%26)) + strings.Repeat("x", i/26))
		secs = append(secs, `{"name":`+string(name)+`,"data":`+deep+`}`)
	}
	return []byte(`{"schema_version":"2","header":{"service":"x"},"sections":[` + strings.Join(secs, ",") + `]}`)
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A small report of deeply nested custom sections makes a page in bounded
// memory, and says of data too deep what the text view says.
func TestViewHTMLDeepNestingBoundedMemory(t *testing.T) {
	b := deepReport(4, 9000)
	rf, err := parseReport(b)
	require.NoError(t, err)
	rep := toReport(rf)
	var page strings.Builder
	alloc := allocated(func() { require.NoError(t, writeHTML(&page, rf, rep)) })
	t.Logf("a %d KiB report: writeHTML allocated %d KiB, wrote %d KiB", len(b)>>10, alloc>>10, page.Len()>>10)
	assert.Less(t, alloc, uint64(16<<20), "a %d KiB report made writeHTML allocate %d MiB", len(b)>>10, alloc>>20)
	assert.True(t, strings.Contains(page.String(), "nested deeper than 200"), "no note of the depth on the page")
}

// Data within the depth bound but whose indented text is over the section's
// bound is cut at the bound, without indenting the rest.
func TestViewHTMLSectionTextBounded(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
	}{
		{"deep", strings.Repeat(`{"k":`, 190) + `[` + strings.Repeat(`"v",`, 200000) + `"v"]` + strings.Repeat(`}`, 190)},
		{"wide", `[` + strings.Repeat(`{"a":1,"b":[2,3]},`, 200000) + `{}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte(`{"schema_version":"2","header":{"service":"x"},"sections":[{"name":"custom","data":` + tc.data + `}]}`)
			rf, err := parseReport(b)
			require.NoError(t, err)
			rep := toReport(rf)
			var ps pageSection
			alloc := allocated(func() { ps = sectionOf(&rf.Sections[0], &rep.Sections[0], maxSectionText) })
			assert.LessOrEqual(t, len(ps.Text), maxSectionText+len(sectionCutText))
			assert.True(t, strings.HasSuffix(ps.Text, sectionCutText), "no cut mark at the end of %q", ps.Text[max(0, len(ps.Text)-80):])
			assert.Less(t, alloc, uint64(8*maxSectionText), "sectionOf allocated %d KiB", alloc>>10)
		})
	}
}

// The bounded indenter writes what json.Indent writes.
func TestIndentBoundedMatchesJSONIndent(t *testing.T) {
	for _, in := range []string{
		`1`, `"a"`, `null`, `[]`, `{}`, `[ ]`, `{ }`, `[1]`, `{"a":1}`, `{"a":[1,{"b":"c\"]}"}],"d":{}}`,
		`[[],[[]],{"x":{"y":[true,false,null]}}]`, "{\n \"a\" : [ 1 , 2 ]\t}",
	} {
		var want bytes.Buffer
		require.NoError(t, json.Indent(&want, []byte(in), "", "  "), in)
		got, cut, ok := indentBounded([]byte(in), 1<<20)
		assert.True(t, ok, in)
		assert.False(t, cut, in)
		assert.Equal(t, want.String(), got, in)
	}
	_, _, ok := indentBounded([]byte(`[1,`), 100)
	assert.False(t, ok, "invalid JSON")
}

// tooDeep draws the line where decodeGeneric does, so that the page and the
// text view agree on what is too deep to show.
func TestTooDeepAgreesWithDecodeGeneric(t *testing.T) {
	for n := maxDepth - 1; n <= maxDepth+2; n++ {
		for _, inner := range []string{"", "1", `"[["`, `{}`, `{"a":[]}`, `[true]`} {
			src := strings.Repeat("[", n) + inner + strings.Repeat("]", n)
			_, isNote := decodeData("mine", []byte(src)).(string)
			assert.Equal(t, isNote, tooDeep([]byte(src)), "%d arrays around %s", n, inner)
		}
	}
}

// The page holds at most maxPageText of section text, however many
// sections share it.
func TestViewHTMLPageTextBounded(t *testing.T) {
	// 200 sections each 200 arrays deep around 2,000 elements: some 800 KiB
	// of indented text each, 160 MiB in all.
	data := strings.Repeat("[", maxDepth) + strings.Repeat("0,", 2000) + "0" + strings.Repeat("]", maxDepth)
	var secs []string
	for i := range 200 {
		secs = append(secs, `{"name":"custom`+strconv.Itoa(i)+`","data":`+data+`}`)
	}
	b := []byte(`{"schema_version":"2","header":{"service":"x"},"sections":[` + strings.Join(secs, ",") + `]}`)
	rf, err := parseReport(b)
	require.NoError(t, err)
	rep := toReport(rf)
	var page strings.Builder
	alloc := allocated(func() { require.NoError(t, writeHTML(&page, rf, rep)) })
	t.Logf("a %d KiB report: writeHTML allocated %d MiB, wrote %d MiB", len(b)>>10, alloc>>20, page.Len()>>20)
	assert.Less(t, page.Len(), maxPageText+1<<20)
	assert.Less(t, alloc, uint64(16*maxPageText), "writeHTML allocated %d MiB", alloc>>20)
	assert.True(t, strings.Contains(page.String(), "not shown: the page holds at most 16.0 MiB of section text"))
}
