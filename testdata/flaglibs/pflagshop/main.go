// Command pflagshop parses its flags with pflag alone, and gives gmr
// pflag.CommandLine.
package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/testdata/flaglibs/internal/serve"
)

func main() {
	pflag.String("db-password", "", "database password")
	pflag.StringP("dsn", "d", "postgres://app@localhost/shop", "database URL")
	pflag.Int("port", 8080, "listen port")
	pflag.Duration("timeout", 30*time.Second, "request timeout")
	pflag.BoolP("verbose", "v", false, "log more")
	pflag.StringSlice("peers", []string{"a:1", "b:2"}, "peer addresses")
	pflag.Parse()

	r, err := gmr.Setup(gmr.WithService("pflagshop"), gmr.WithFlags(pflag.CommandLine))
	if err != nil {
		serve.Fail(err)
	}
	serve.Until(r)
}
