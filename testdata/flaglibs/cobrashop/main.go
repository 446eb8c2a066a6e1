// Command cobrashop is a cobra program with two subcommands, serve and
// migrate, and persistent flags on the root. It reads a YAML file with
// viper (--config) and sets gmr up in the root's PersistentPreRunE, with
// the root command: gmr shows the flags of the subcommand that runs.
package main

import (
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/testdata/flaglibs/internal/serve"
)

func main() {
	var reporter *gmr.Reporter
	root := &cobra.Command{
		Use:           "shop",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if path, _ := cmd.Flags().GetString("config"); path != "" {
				viper.SetConfigFile(path)
				if err := viper.ReadInConfig(); err != nil {
					return err
				}
			}
			var err error
			reporter, err = gmr.Setup(gmr.WithService("cobrashop"), gmr.WithFlags(cmd.Root()), gmr.WithConfig("app", viper.AllSettings()))
			return err
		},
	}
	root.PersistentFlags().String("db-password", "", "database password")
	root.PersistentFlags().String("dsn", "postgres://app@localhost/shop", "database URL")
	root.PersistentFlags().String("replica", "", "read replica URL")
	root.PersistentFlags().String("config", "", "YAML configuration file")
	root.PersistentFlags().BoolP("verbose", "v", false, "log more")

	serveCmd := &cobra.Command{
		Use: "serve",
		RunE: func(*cobra.Command, []string) error {
			serve.Until(reporter)
			return nil
		},
	}
	serveCmd.Flags().Int("port", 8080, "listen port")
	serveCmd.Flags().Duration("timeout", 30*time.Second, "request timeout")
	workers := serveCmd.Flags().Int("workers", 4, "worker goroutines")
	serveCmd.PreRun = func(*cobra.Command, []string) { *workers = 8 } // changed in code

	migrateCmd := &cobra.Command{
		Use: "migrate",
		RunE: func(*cobra.Command, []string) error {
			serve.Until(reporter)
			return nil
		},
	}
	migrateCmd.Flags().Int("steps", 1, "migrations to apply")
	migrateCmd.Flags().Bool("dry-run", false, "print the migrations only")

	root.AddCommand(serveCmd, migrateCmd)
	if err := root.Execute(); err != nil {
		serve.Fail(err)
	}
}
