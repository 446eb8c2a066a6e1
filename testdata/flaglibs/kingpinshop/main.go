// Command kingpinshop is a kingpin program with two commands, serve and
// migrate, a flag read from the environment (--region, $SHOP_REGION), one
// secret by its environment variable (--database, $DB_PASSWORD_K) and a
// config struct with fields hidden from JSON.
package main

import (
	"os"

	"github.com/alecthomas/kingpin/v2"

	"github.com/gmr-go/gmr/gmr"
	"github.com/gmr-go/gmr/testdata/flaglibs/internal/serve"
)

// limits is registered with WithConfig; Users and Accounts are hidden from
// JSON and so from the report, which names them.
type limits struct {
	MaxConns int               `json:"max_conns"`
	Users    []string          `json:"-"`
	Accounts map[string]string `json:"-"`
}

func main() {
	app := kingpin.New("kingpinshop", "a kingpin test program")
	app.Flag("db-password", "database password").String()
	app.Flag("dsn", "database URL").Default("postgres://app@localhost/shop").String()
	app.Flag("port", "listen port").Default("8080").Int()
	app.Flag("timeout", "request timeout").Default("30s").Duration()
	app.Flag("verbose", "log more").Short('v').Bool()
	app.Flag("region", "region").Default("us-east").Envar("SHOP_REGION").String()
	app.Flag("database", "database password").Envar("DB_PASSWORD_K").String()
	serveCmd := app.Command("serve", "serve the shop")
	serveCmd.Flag("workers", "worker goroutines").Default("4").Int()
	serveCmd.Flag("tls", "serve TLS").Bool()
	app.Command("migrate", "migrate the database").Flag("steps", "migrations to apply").Default("1").Int()
	kingpin.MustParse(app.Parse(os.Args[1:]))

	r, err := gmr.Setup(gmr.WithService("kingpinshop"), gmr.WithFlags(app),
		gmr.WithConfig("limits", limits{MaxConns: 100, Users: []string{"alice"}, Accounts: map[string]string{"a": "b"}}))
	if err != nil {
		serve.Fail(err)
	}
	serve.Until(r)
}
