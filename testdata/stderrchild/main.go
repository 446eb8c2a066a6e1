// Command stderrchild is a service whose tests break its standard error: it
// calls gmr.Setup, prints "ready <pid>" on stdout, then "reported <where>
// <error>" on stdout after each report, and answers "ping" with "pong" on
// stdin until stdin is closed. Its stderr is where the tests' broken or
// stalled pipe is.
//
// "writereport D" calls WriteReport to io.Discard with a context of D and
// prints "writereport <error> in <time>"; "stop" calls Stop and prints
// "stopped in <time>". The flag -timeout sets WithTimeout.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gmr-go/gmr/gmr"
)

func main() {
	timeout := flag.Duration("timeout", gmr.DefaultTimeout, "WithTimeout")
	flag.Parse()
	done := make(chan string, 16)
	r, err := gmr.Setup(gmr.WithService("stderrchild"), gmr.WithMinInterval(0), gmr.WithTimeout(*timeout),
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
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		switch cmd {
		case "ping":
			fmt.Println("pong")
		case "writereport":
			d, err := time.ParseDuration(arg)
			if err != nil {
				fmt.Println("writereport: bad duration:", err)
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), d)
			start := time.Now()
			err = r.WriteReport(ctx, io.Discard)
			cancel()
			fmt.Printf("writereport %v in %v\n", err, time.Since(start))
		case "stop":
			start := time.Now()
			r.Stop()
			fmt.Printf("stopped in %v\n", time.Since(start))
		}
	}
}
