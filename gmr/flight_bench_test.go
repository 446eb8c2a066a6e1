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
// HTTP server on loopback (client and server in this process, 4 clients per
// core, 1 KiB responses): requests per second and the 99th percentile
// latency, with the recorder off and on, in one run:
//
//	go test -run '^$' -bench FlightRecorderHTTP -benchtime 40000x ./gmr/
//
// The off and on sub-benchmarks run one after the other; alternating runs
// rounds of 2,000 requests, off and on in turn, so that a machine whose
// load drifts (other processes) weighs on both alike, and reports each
// mode's figures and the overhead.
func BenchmarkFlightRecorderHTTP(b *testing.B) {
	h := newHTTPBench(b)
	defer h.close()
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			if on {
				defer startBenchRecorder(b)()
			}
			lat := make([]time.Duration, b.N)
			b.ResetTimer()
			elapsed := h.run(b, lat)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
			b.ReportMetric(p99(lat), "p99-ms")
		})
	}
	b.Run("alternating", func(b *testing.B) {
		const round = 2000
		var lat [2][]time.Duration
		var elapsed [2]time.Duration
		for i := 0; i < b.N; i += round {
			for mode := range 2 {
				n := min(round, b.N-i)
				stop := func() {}
				if mode == 1 {
					stop = startBenchRecorder(b)
				}
				l := make([]time.Duration, n)
				elapsed[mode] += h.run(b, l)
				stop()
				lat[mode] = append(lat[mode], l...)
			}
		}
		off := float64(len(lat[0])) / elapsed[0].Seconds()
		on := float64(len(lat[1])) / elapsed[1].Seconds()
		b.ReportMetric(off, "off-req/s")
		b.ReportMetric(on, "on-req/s")
		b.ReportMetric(p99(lat[0]), "off-p99-ms")
		b.ReportMetric(p99(lat[1]), "on-p99-ms")
		b.ReportMetric((off-on)/off*100, "req/s-cost-%")
	})
}

// startBenchRecorder starts gmr's flight recorder, as Setup does with
// GMR_FLIGHT_RECORDER=10s, and returns its stop.
func startBenchRecorder(b *testing.B) (stop func()) {
	r, err := New(WithFlightRecorder(10*time.Second, 0), WithStderr(io.Discard), WithOnlySections())
	if err != nil {
		b.Fatal(err)
	}
	r.startFlightRecorder()
	if f := r.flight(); f == nil || f.fr == nil {
		b.Fatal("the flight recorder did not start")
	}
	return r.Stop
}

// httpBench is a loopback HTTP server and the clients that load it.
type httpBench struct {
	srv     *httptest.Server
	tr      *http.Transport
	client  *http.Client
	clients int
}

func newHTTPBench(b *testing.B) *httpBench {
	payload := make([]byte, 1024)
	h := &httpBench{clients: 4 * runtime.GOMAXPROCS(0)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(payload) //nolint:errcheck // the client sees a short body
	}))
	h.tr = &http.Transport{MaxIdleConnsPerHost: h.clients}
	h.client = &http.Client{Transport: h.tr}
	return h
}

func (h *httpBench) close() {
	h.tr.CloseIdleConnections()
	h.srv.Close()
}

// run makes len(lat) requests from h.clients goroutines, stores each one's
// latency in lat, and returns the wall time they took.
func (h *httpBench) run(b *testing.B, lat []time.Duration) time.Duration {
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range h.clients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(lat)) {
					return
				}
				t0 := time.Now()
				resp, err := h.client.Get(h.srv.URL)
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
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	return elapsed
}

// p99 returns the 99th percentile of lat in milliseconds; it sorts lat.
func p99(lat []time.Duration) float64 {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	return float64(lat[len(lat)*99/100].Microseconds()) / 1000
}
