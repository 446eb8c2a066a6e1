package sections

import (
	"math"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
)

func TestProfileFrames(t *testing.T) {
	fn := func(name string) *profile.Function { return &profile.Function{Name: name, Filename: name + ".go"} }
	s := &profile.Sample{Location: []*profile.Location{
		{Line: []profile.Line{{Function: fn("main.inlined"), Line: 3}, {Function: fn("main.outer"), Line: 4}}},
		nil,
		{Address: 0},              // a zero PC
		{Address: math.MaxUint64}, // a zero PC, as -1
		{Address: 0x4a2f10},       // not symbolized
		{Address: 0x4a2f20, Line: []profile.Line{{Function: fn(""), Line: 5}, {Line: 6}}}, // no names
		{Line: []profile.Line{{Function: fn("main.half"), Line: 7}, {Line: 8}}},
	}}
	assert.Equal(t, []Frame{
		{Function: "main.inlined", File: "main.inlined.go", Line: 3},
		{Function: "main.outer", File: "main.outer.go", Line: 4},
		{Function: "?"},
		{Function: "0x0"},
		{Function: "0xffffffffffffffff"},
		{Function: "0x4a2f10"},
		{Function: "?", File: ".go", Line: 5},
		{Function: "?", Line: 6},
		{Function: "main.half", File: "main.half.go", Line: 7},
		{Function: "?", Line: 8},
	}, sampleFrames(s), "every frame, for grouping stacks as they are")
	assert.Equal(t, []Frame{
		{Function: "main.inlined", File: "main.inlined.go", Line: 3},
		{Function: "main.outer", File: "main.outer.go", Line: 4},
		{Function: "0x4a2f10"},
		{Function: "0x4a2f20"},
		{Function: "main.half", File: "main.half.go", Line: 7},
	}, knownFrames(s), "the empty frames dropped, an address kept for a location with no named call")
}

func TestFramesLine(t *testing.T) {
	assert.Equal(t, "main.worker < main.main", framesLine([]Frame{{Function: "main.worker"}, {Function: "main.main"}}))
	assert.Equal(t, `evil\x1b[2J`, framesLine([]Frame{{Function: "evil\x1b[2J"}}))
	assert.Empty(t, framesLine(nil))
}
