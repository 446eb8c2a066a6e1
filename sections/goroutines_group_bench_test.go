package sections

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/google/pprof/profile"
)

// BenchmarkGoroutineGrouping measures gmr's own work on a goroutine profile
// already read: grouping its samples and building the report (summarize),
// in grouped mode. Its cases are the shapes that cost most: every goroutine
// with a unique pprof label (the runtime writes one sample each), and a
// million goroutines in 20,000 stacks. B/op is the memory it allocates:
//
//	go test ./sections -run '^$' -bench GoroutineGrouping -benchtime 3x
func BenchmarkGoroutineGrouping(b *testing.B) {
	for _, tc := range []struct {
		name string
		prof func() *profile.Profile
	}{
		{"unique-labels=10000", func() *profile.Profile { return labelledProfile(10_000, 100) }},
		{"unique-labels=1000000", func() *profile.Profile { return labelledProfile(1_000_000, 100) }},
		{"stacks=20000x50", func() *profile.Profile { return manyStacksProfile(20_000, 50) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			p := tc.prof()
			lim := Goroutines{}.limits()
			b.ReportAllocs()
			for b.Loop() {
				summarize(p, nil, leakInput{}, lim)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "group-ms")
		})
	}
}

// benchStack returns the locations of a stack six calls deep whose
// innermost user frame is fn, parked in a channel receive.
func benchStack(p *profile.Profile, fn string) []*profile.Location {
	names := []string{"runtime.gopark", "runtime.chanrecv", "runtime.chanrecv1", fn, "main.serve", "main.main.func1"}
	locs := make([]*profile.Location, len(names))
	for i, name := range names {
		f := &profile.Function{ID: uint64(len(p.Function) + 1), Name: name, Filename: "/src/" + name + ".go"}
		p.Function = append(p.Function, f)
		l := &profile.Location{ID: uint64(len(p.Location) + 1), Address: uint64(0x1000 + len(p.Location)), Line: []profile.Line{{Function: f, Line: int64(10 + i)}}}
		p.Location = append(p.Location, l)
		locs[i] = l
	}
	return locs
}

// labelledProfile is a profile of n goroutines in one stack, each with a
// unique request_id label and a shared team label, as runtime/pprof writes
// it (one sample each), and of others goroutines in another stack.
func labelledProfile(n, others int) *profile.Profile {
	p := &profile.Profile{SampleType: []*profile.ValueType{{Type: "goroutine", Unit: "count"}}}
	stack := benchStack(p, "main.handler")
	for i := range n {
		p.Sample = append(p.Sample, &profile.Sample{Value: []int64{1}, Location: stack,
			Label: map[string][]string{"request_id": {"req-" + strconv.Itoa(i)}, "team": {"payments"}}})
	}
	p.Sample = append(p.Sample, &profile.Sample{Value: []int64{int64(others)}, Location: benchStack(p, "main.idle")})
	return p
}

// manyStacksProfile is a profile of stacks × each goroutines, in stacks
// distinct stacks.
func manyStacksProfile(stacks, each int) *profile.Profile {
	p := &profile.Profile{SampleType: []*profile.ValueType{{Type: "goroutine", Unit: "count"}}}
	for i := range stacks {
		p.Sample = append(p.Sample, &profile.Sample{Value: []int64{int64(each)}, Location: benchStack(p, fmt.Sprintf("main.f%d", i))})
	}
	return p
}
