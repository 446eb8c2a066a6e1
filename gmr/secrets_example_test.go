package gmr_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/gmr-go/gmr/gmr"
)

// With an allowlist, the environment section shows only the variables
// named, still with secrets masked; GMR_ENV_ALLOW does the same without a
// rebuild.
func ExampleWithEnvironmentAllowlist() {
	os.Setenv("SHOP_REGION", "eu-1")
	os.Setenv("SHOP_API_TOKEN", "6f1c0a9e2b7d")
	os.Setenv("SHOP_INTERNAL", "not shown")
	r, err := gmr.New(gmr.WithEnvironmentAllowlist("SHOP_REGION", "SHOP_API_TOKEN"))
	if err != nil {
		log.Fatal(err)
	}
	var buf strings.Builder
	if err := r.WriteReport(context.Background(), &buf); err != nil {
		log.Fatal(err)
	}
	for line := range strings.Lines(buf.String()) {
		if strings.HasPrefix(line, "SHOP_") {
			fmt.Print(line)
		}
	}
	// Output:
	// SHOP_API_TOKEN = ***
	// SHOP_REGION = eu-1
}
