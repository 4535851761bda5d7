package metrics_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lorehq/lore/catalog"
	"github.com/lorehq/lore/internal/testpg"
	"github.com/lorehq/lore/jobs"
	"github.com/lorehq/lore/metrics"
	"github.com/lorehq/lore/store"
)

var _ catalog.Metrics = (*metrics.Metrics)(nil)

// scrape returns the text exposition of h.
func scrape(t *testing.T, h http.Handler, header http.Header) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", "/metrics", nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestCountersAndExposition(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.RunFinished("process", "done")
	m.RunFinished("process", "done")
	m.JobFinished("profile", "done", 300*time.Millisecond)
	m.JobFinished("describe", "failed", time.Second)
	m.WarehouseWork("redshift", 3, 7)
	m.WarehouseWork("postgres", 2, 0)
	m.AITokens("openai", 120, 30)

	code, body := scrape(t, m.Handler(""), nil)
	if code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", code)
	}
	for _, want := range []string{
		`lore_runs_total{kind="process",status="done"} 2`,
		`lore_runs_total{kind="refresh",status="failed"} 0`,
		`lore_jobs_total{kind="profile",state="done"} 1`,
		`lore_jobs_total{kind="describe",state="failed"} 1`,
		`lore_job_duration_seconds_count{kind="profile"} 1`,
		`lore_warehouse_statements_total{type="redshift"} 3`,
		`lore_warehouse_statements_total{type="postgres"} 2`,
		`lore_warehouse_api_calls_total{type="redshift"} 7`,
		`lore_warehouse_api_calls_total{type="postgres"} 0`,
		`lore_ai_tokens_total{direction="input",provider="openai"} 120`,
		`lore_ai_tokens_total{direction="output",provider="openai"} 30`,
		`lore_ai_tokens_total{direction="input",provider="bedrock"} 0`,
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}

func TestHandlerToken(t *testing.T) {
	t.Parallel()
	h := metrics.New().Handler("s3cret-token")
	if code, _ := scrape(t, h, nil); code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", code)
	}
	if code, _ := scrape(t, h, http.Header{"Authorization": {"Bearer wrong"}}); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", code)
	}
	code, body := scrape(t, h, http.Header{"Authorization": {"Bearer s3cret-token"}})
	if code != http.StatusOK || !strings.Contains(body, "lore_runs_total") {
		t.Errorf("right token: %d", code)
	}
}

// TestMiddlewareRoutes checks that the route label is the mux pattern, never the raw path.
func TestMiddlewareRoutes(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /tables/{id}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "t") })
	mux.HandleFunc("POST /runs/{id}/{action}", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusConflict)
	})
	// An outer mux delegating to an inner one, as `lore serve` mounts /metrics before the portal.
	outer := http.NewServeMux()
	outer.Handle("/", mux)
	h := m.Middleware(outer)
	for _, p := range []string{"/tables/1", "/tables/2", "/tables/987654"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/runs/5/cancel", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("BREW", "/tables/5", nil))

	_, body := scrape(t, m.Handler(""), nil)
	for _, want := range []string{
		`lore_http_request_duration_seconds_count{code="200",method="GET",route="/tables/{id}"} 3`,
		`lore_http_request_duration_seconds_count{code="409",method="POST",route="/runs/{id}/{action}"} 1`,
		`lore_http_request_duration_seconds_count{code="405",method="other",route="unmatched"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
	for _, raw := range []string{"987654", "/runs/5", "BREW"} {
		if strings.Contains(body, raw) {
			t.Errorf("a raw request value %q leaked into a label", raw)
		}
	}
	if n := testutil.CollectAndCount(m.Registry, "lore_http_request_duration_seconds"); n != 3 {
		t.Errorf("%d latency series, want 3", n)
	}
}

// openStores opens a Lore store on SQLite and on PostgreSQL, with River's tables migrated.
func openStores(t *testing.T) map[string]*store.Store {
	t.Helper()
	ctx := context.Background()
	out := map[string]*store.Store{}
	lite, err := store.Open(ctx, store.Config{DataDir: t.TempDir(), StoreKey: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	out["sqlite"] = lite
	pg, err := store.Open(ctx, store.Config{DatabaseURL: testpg.NewDatabase(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	out["postgres"] = pg
	for _, s := range out {
		if err := jobs.Migrate(ctx, s.DB(), s.Dialect()); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestQueueAndReadiness reads the queue depth from river_job and answers /readyz, then closes
// the store and expects both to report the failure.
func TestQueueAndReadiness(t *testing.T) {
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			q, err := jobs.New(jobs.Config{DB: s.DB(), Dialect: s.Dialect()}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if _, err := q.Client().Insert(ctx, jobs.PingArgs{}, nil); err != nil {
					t.Fatal(err)
				}
			}
			m := metrics.New()
			if err := m.WatchQueue(s.DB()); err != nil {
				t.Fatal(err)
			}
			_, body := scrape(t, m.Handler(""), nil)
			for _, want := range []string{
				`lore_queue_jobs{kind="lore_ping",state="available"} 3`,
				`lore_queue_jobs{kind="lore_ping",state="running"} 0`,
				"lore_queue_up 1",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("exposition lacks %q", want)
				}
			}

			ready := metrics.Ready(s.DB(), nil)
			rec := httptest.NewRecorder()
			ready.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			var got metrics.Readiness
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if rec.Code != http.StatusOK || got != (metrics.Readiness{Status: "ready", Store: "ok", Queue: "ok"}) {
				t.Fatalf("/readyz = %d %+v, want 200 ready", rec.Code, got)
			}

			// A store without the queue's table: the store is fine, the queue is not.
			if _, err := s.DB().ExecContext(ctx, `ALTER TABLE river_job RENAME TO river_job_away`); err != nil {
				t.Fatal(err)
			}
			rec = httptest.NewRecorder()
			ready.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			got = metrics.Readiness{}
			json.Unmarshal(rec.Body.Bytes(), &got)
			if rec.Code != http.StatusServiceUnavailable || got != (metrics.Readiness{Status: "not ready", Store: "ok", Queue: "unavailable"}) {
				t.Errorf("/readyz without river_job = %d %+v", rec.Code, got)
			}
			if _, err := s.DB().ExecContext(ctx, `ALTER TABLE river_job_away RENAME TO river_job`); err != nil {
				t.Fatal(err)
			}

			s.Close()
			rec = httptest.NewRecorder()
			ready.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			got = metrics.Readiness{}
			json.Unmarshal(rec.Body.Bytes(), &got)
			if rec.Code != http.StatusServiceUnavailable || got != (metrics.Readiness{Status: "not ready", Store: "unavailable", Queue: "unavailable"}) {
				t.Errorf("/readyz after close = %d %+v, want 503 with both checks unavailable", rec.Code, got)
			}
			if _, body := scrape(t, m.Handler(""), nil); !strings.Contains(body, "lore_queue_up 0") {
				t.Errorf("lore_queue_up is not 0 after the store closed")
			}
		})
	}
}
