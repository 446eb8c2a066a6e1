// Command cliv2shop is an urfave/cli v2 program: gmr is set up in the
// action, with its *cli.Context. --db-password has aliases, and --database
// is secret by its environment variable, $DB_PASSWORD_FROM_ENV.
package main

import (
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/testdata/flaglibs/internal/serve"
)

func main() {
	app := &cli.App{
		Name: "cliv2shop",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "db-password", Aliases: []string{"dbp", "w"}, Usage: "database password"},
			&cli.StringFlag{Name: "database", EnvVars: []string{"DB_PASSWORD_FROM_ENV"}, Usage: "database password"},
			&cli.StringFlag{Name: "dsn", Value: "postgres://app@localhost/shop", Usage: "database URL"},
			&cli.IntFlag{Name: "port", Value: 8080, Usage: "listen port"},
			&cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "request timeout"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log more"},
			&cli.StringFlag{Name: "region", Value: "us-east", EnvVars: []string{"SHOP_REGION"}},
		},
		Action: func(ctx *cli.Context) error {
			r, err := gmr.Setup(gmr.WithService("cliv2shop"), gmr.WithFlags(ctx))
			if err != nil {
				return err
			}
			serve.Until(r)
			return nil
		},
	}
	if err := app.Run(os.Args); err != nil {
		serve.Fail(err)
	}
}
