package gmr

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkFlightRecorderHTTP measures what the flight recorder costs a busy
// HTTP server on loopback: requests per second and the 99th percentile
// latency, with the recorder off and on, in one run:
//
//	go test -run '^$' -bench FlightRecorderHTTP -benchtime 20000x -count 5 ./gmr/
func BenchmarkFlightRecorderHTTP(b *testing.B) {
	payload := make([]byte, 1024)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(payload) //nolint:errcheck // the client sees a short body
	}))
	defer srv.Close()
	clients := 4 * runtime.GOMAXPROCS(0)
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			if on {
				r, err := New(WithFlightRecorder(10*time.Second, 0), WithStderr(io.Discard), WithOnlySections())
				if err != nil {
					b.Fatal(err)
				}
				r.startFlightRecorder()
				if f := r.flight(); f == nil || f.fr == nil {
					b.Fatal("the flight recorder did not start")
				}
				defer r.Stop()
			}
			lat := make([]time.Duration, b.N)
			var next atomic.Int64
			var failed atomic.Value
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range clients {
				wg.Go(func() {
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						t0 := time.Now()
						resp, err := client.Get(srv.URL)
						if err == nil {
							_, err = io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
						}
						lat[i] = time.Since(t0)
						if err != nil {
							failed.Store(fmt.Errorf("request %d: %w", i, err))
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if err, _ := failed.Load().(error); err != nil {
				b.Fatal(err)
			}
			slices.Sort(lat)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
