package sections_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gmr-go/gmr/sections"
)

func ExampleGoroutines() {
	data, err := sections.Goroutines{MaxGroups: 10, MaxFrames: 20}.Collect(context.Background())
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	rep := data.(*sections.GoroutineReport)
	for _, g := range rep.Groups {
		fmt.Println(g.Count, g.Frames[0].Function)
	}
}

func ExampleGoroutineReport_WriteText() {
	rep := &sections.GoroutineReport{
		Total:      1003,
		GroupCount: 3,
		Source:     "goroutine profile (concurrent)",
		Groups: []sections.GoroutineGroup{{
			Count:  1000,
			Labels: map[string]string{"worker": "a"},
			Frames: []sections.Frame{
				{Function: "main.park", File: "/src/child/main.go", Line: 12},
				{Function: "main.main.func1", File: "/src/child/main.go", Line: 30},
			},
		}},
		Omitted: &sections.GoroutineOmission{Goroutines: 3, Groups: 2, Reason: "max_groups"},
	}
	if err := rep.WriteText(os.Stdout); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// 1,003 goroutines in 3 groups from the goroutine profile (concurrent)
	//
	// 1,000 goroutines  [worker=a]
	//     main.park
	//         /src/child/main.go:12
	//     main.main.func1
	//         /src/child/main.go:30
	//
	// ... and 3 more goroutines in 2 groups (max_groups)
}
