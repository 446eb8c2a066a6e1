package sections_test

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/gmr-go/gmr/sections"
)

// The config section shows the command line, the flags and registered
// values, with secrets masked however they are written.
func ExampleConfig() {
	fs := flag.NewFlagSet("shop", flag.ContinueOnError)
	fs.String("addr", ":8080", "listen address")
	fs.String("db-password", "", "database password")
	fs.String("license-key", "", "license key")
	args := []string{"shop", "-db-password", "hunter2", "--license-key=L-1234", "-addr", ":9090"}
	if err := fs.Parse(args[1:]); err != nil {
		fmt.Println("error:", err)
		return
	}
	type db struct {
		Host    string `json:"host"`
		DSN     string `json:"dsn"`
		Replica string `json:"replica"`
		Cert    string `json:"cert" gmr:"secret"`
	}
	c := sections.Config{
		Args:     args,
		FlagSets: []*flag.FlagSet{fs},
		Values: map[string]any{"db": db{
			Host:    "db.internal",
			DSN:     "host=db user=app password=hunter2",
			Replica: "postgres://app:hunter2@replica/shop",
			Cert:    "internal",
		}},
	}
	data, err := c.Collect(context.Background())
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	if err := data.(*sections.ConfigReport).WriteText(os.Stdout); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// command line: shop -db-password *** --license-key=*** -addr :9090
	// flags (shop):
	//   -addr = :9090 (set; default :8080)
	//   -db-password = *** (set; default "")
	//   -license-key = *** (set; default "")
	// db:
	//   db.host = db.internal
	//   db.dsn = ***
	//   db.replica = postgres://app:***@replica/shop
	//   db.cert = ***
}

// CheckFlags tells which values the config section can read flags from,
// and why it cannot read the others.
func ExampleCheckFlags() {
	fmt.Println(sections.CheckFlags(flag.NewFlagSet("shop", flag.ContinueOnError)))
	fmt.Println(sections.CheckFlags(map[string]string{"port": "8080"}))
	// Output:
	// <nil>
	// map[string]string: not a flag set gmr can read: want a *flag.FlagSet, *pflag.FlagSet, *cobra.Command, *kingpin.Application, urfave/cli v3 *cli.Command or urfave/cli v2 *cli.Context
}
