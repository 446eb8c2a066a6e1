// Command stderrchild is a service whose tests break its standard error: it
// calls gmr.Setup, prints "ready <pid>" on stdout, then "reported <where>
// <error>" on stdout after each report, and answers "ping" with "pong" on
// stdin until stdin is closed. Its stderr is where the tests' broken pipe
// is.
package main

import (
	"bufio"
	"fmt"
	"os"

	"github.com/gmr-go/gmr/gmr"
)

func main() {
	done := make(chan string, 16)
	r, err := gmr.Setup(gmr.WithService("stderrchild"), gmr.WithMinInterval(0),
		gmr.WithOnReport(func(loc string, err error) { done <- fmt.Sprintf("reported %s %v", loc, err) }))
	if err != nil {
		fmt.Println("setup:", err)
		os.Exit(2)
	}
	defer r.Stop()
	go func() {
		for line := range done {
			fmt.Println(line)
		}
	}()
	fmt.Println("ready", os.Getpid())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "ping" {
			fmt.Println("pong")
		}
	}
}
