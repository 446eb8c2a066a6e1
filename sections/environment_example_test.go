package sections_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gmr-go/gmr/sections"
)

// The environment section lists variables with secrets masked: by name
// (API_TOKEN) and by value (the password in DATABASE_URL). An allowlist
// shows only the variables it names, and counts the others.
func ExampleEnvironment() {
	env := sections.Environment{
		Allow: []string{"API_TOKEN", "DATABASE_URL", "LANG", "TITLE", "GMR_*"},
		Environ: []string{
			"API_TOKEN=6f1c0a9e2b7d",
			"DATABASE_URL=postgres://app:hunter2@db:5432/shop",
			"GMR_DIR=/var/log/gmr",
			"HOME=/home/app",
			"KEYBOARD_LAYOUT=us",
			"LANG=C.UTF-8",
			"TITLE=\x1b]0;pwned\a",
		},
	}
	data, err := env.Collect(context.Background())
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	if err := data.(*sections.EnvironmentReport).WriteText(os.Stdout); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// API_TOKEN = ***
	// DATABASE_URL = postgres://app:***@db:5432/shop
	// GMR_DIR = /var/log/gmr
	// LANG = C.UTF-8
	// TITLE = "\x1b]0;pwned\a"
	// (allowlist: 2 other variables not shown)
}

func ExampleEnvironmentReport_WriteText() {
	rep := &sections.EnvironmentReport{
		Variables: []sections.EnvironmentVariable{
			{Name: "AWS_SECRET_ACCESS_KEY", Value: "***", Redacted: true},
			{Name: "HOME", Value: "/home/app"},
		},
		Omitted: 3,
	}
	if err := rep.WriteText(os.Stdout); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// AWS_SECRET_ACCESS_KEY = ***
	// HOME = /home/app
	// ... 3 more not shown
}
