// Command clishop is an urfave/cli v3 program with a subcommand, serve,
// whose root has a flag read from the environment (--region,
// $SHOP_REGION). gmr is set up with the root command before Run, and
// shows the root's flags and serve's.
package main

import (
	"context"
	"os"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/testdata/flaglibs/internal/serve"
)

func main() {
	var reporter *gmr.Reporter
	root := &cli.Command{
		Name: "clishop",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "db-password", Usage: "database password"},
			&cli.StringFlag{Name: "dsn", Value: "postgres://app@localhost/shop", Usage: "database URL"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log more"},
			&cli.StringFlag{Name: "region", Value: "us-east", Sources: cli.EnvVars("SHOP_REGION")},
		},
		Commands: []*cli.Command{{
			Name: "serve",
			Flags: []cli.Flag{
				&cli.IntFlag{Name: "port", Value: 8080, Usage: "listen port"},
				&cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "request timeout"},
			},
			Action: func(context.Context, *cli.Command) error {
				serve.Until(reporter)
				return nil
			},
		}},
	}
	var err error
	if reporter, err = gmr.Setup(gmr.WithService("clishop"), gmr.WithFlags(root)); err != nil {
		serve.Fail(err)
	}
	if err := root.Run(context.Background(), os.Args); err != nil {
		serve.Fail(err)
	}
}
