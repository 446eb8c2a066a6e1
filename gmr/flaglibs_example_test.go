package gmr_test

import (
	"flag"
	"fmt"

	"github.com/gmr-go/gmr/gmr"
)

// WithFlags shows the flags of any flag library gmr reads: here the
// standard package's; a *cobra.Command, *pflag.FlagSet,
// *kingpin.Application or urfave/cli command is given the same way.
// A value of another type is an error from Setup and New.
func ExampleWithFlags() {
	fs := flag.NewFlagSet("shop", flag.ContinueOnError)
	fs.Int("port", 8080, "listen port")
	r, err := gmr.New(gmr.WithFlags(fs))
	fmt.Println(r != nil, err)

	_, err = gmr.New(gmr.WithFlags("--port=8080"))
	fmt.Println(err)
	// Output:
	// true <nil>
	// gmr: WithFlags: flag set 0: string: not a flag set gmr can read: want a *flag.FlagSet, *pflag.FlagSet, *cobra.Command, *kingpin.Application, urfave/cli v3 *cli.Command or urfave/cli v2 *cli.Context
}
