package report_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gmr-go/gmr/gmr/report"
)

// A custom section is a name and a function; Run collects it and never
// panics.
func ExampleFunc() {
	queue := report.Func("queue", func(ctx context.Context) (any, error) {
		return map[string]int{"depth": 12, "workers": 4}, nil
	})
	res := report.Run(context.Background(), queue)
	fmt.Println(res.Name, res.Data, res.Err)
	// Output: queue map[depth:12 workers:4] <nil>
}

// A panic in Collect becomes the result's error, with the value and the
// stack.
func ExampleRun_panic() {
	res := report.Run(context.Background(), report.Func("flaky", func(context.Context) (any, error) {
		panic("out of cheese")
	}))
	var pe *report.PanicError
	fmt.Println(errors.As(res.Err, &pe), pe.Value, len(pe.Stack) > 0)
	fmt.Println(res.Err)
	// Output:
	// true out of cheese true
	// section "flaky" panicked: out of cheese
}

// An Object keeps its members' order in JSON, as the struct it was made
// from had them.
func ExampleObject() {
	obj := report.Object{{Key: "zone", Value: "b"}, {Key: "depth", Value: 12}, {Key: "password", Value: "***"}}
	b, err := json.Marshal(obj)
	fmt.Println(string(b), err)
	// Output: {"zone":"b","depth":12,"password":"***"} <nil>
}
