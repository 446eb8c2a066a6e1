// Command server is a long-running demo service for trying gmr by hand. It
// runs a small job pipeline — producers, a pool of workers, a cache guarded
// by a mutex — and writes a Guru Meditation Report each time it receives
// SIGUSR2, without stopping:
//
//	go run ./examples/server &
//	kill -USR2 <pid printed at start>
//
// Set GMR_DIR to write the reports to files instead of stderr. Stop it with
// Ctrl-C or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/gmr-go/gmr/gmr"
)

// Config is the service configuration shown, with secrets masked, in the
// report's config section.
type Config struct {
	Workers   int           `json:"workers"`
	Producers int           `json:"producers"`
	QueueSize int           `json:"queue_size"`
	JobTime   time.Duration `json:"job_time"`
	Upstream  string        `json:"upstream_url"`
	APIKey    string        `json:"api_key"`
}

func main() {
	cfg := Config{
		Upstream: "https://svc:hunter2@upstream.example/v1",
		APIKey:   "AKIA-demo-not-a-real-key",
	}
	flag.IntVar(&cfg.Workers, "workers", 64, "worker goroutines")
	flag.IntVar(&cfg.Producers, "producers", 4, "producer goroutines")
	flag.IntVar(&cfg.QueueSize, "queue", 128, "job queue capacity")
	flag.DurationVar(&cfg.JobTime, "job-time", 20*time.Millisecond, "mean time per job")
	flag.Parse()

	r, err := gmr.Setup(gmr.WithService("demo-server"), gmr.WithVersion("v1.4.2"), gmr.WithConfig("server", cfg))
	if err != nil && r == nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
	defer r.Stop()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fmt.Fprintf(os.Stderr, "server: pid %d running %d workers; kill -USR2 %d for a report, Ctrl-C to stop\n",
		os.Getpid(), cfg.Workers, os.Getpid())

	jobs := make(chan job, cfg.QueueSize)
	c := &cache{m: make(map[int]int)}
	var wg sync.WaitGroup
	for i := range cfg.Producers {
		wg.Go(func() {
			pprof.Do(ctx, pprof.Labels("role", "producer"), func(ctx context.Context) { produce(ctx, i, jobs) })
		})
	}
	var workers sync.WaitGroup
	for range cfg.Workers {
		workers.Go(func() {
			pprof.Do(ctx, pprof.Labels("role", "worker"), func(ctx context.Context) { work(jobs, c, cfg.JobTime) })
		})
	}
	<-ctx.Done()
	wg.Wait()
	close(jobs)
	workers.Wait()
	fmt.Fprintln(os.Stderr, "server: stopped")
}

type job struct{ id, size int }

func produce(ctx context.Context, id int, jobs chan<- job) {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			select {
			case jobs <- job{id: id*1_000_000 + n, size: rand.IntN(4096)}:
			case <-ctx.Done():
				return
			}
		}
	}
}

func work(jobs <-chan job, c *cache, mean time.Duration) {
	for j := range jobs {
		buf := make([]byte, j.size)
		time.Sleep(time.Duration(rand.Int64N(int64(2 * mean))))
		c.put(j.id%1024, len(buf))
	}
}

// cache is shared by all workers; under load, some wait on its mutex.
type cache struct {
	mu sync.Mutex
	m  map[int]int
}

func (c *cache) put(k, v int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[k] = v
}
