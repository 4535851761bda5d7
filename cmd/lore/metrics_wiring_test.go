package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/testpg"
)

// opsGet fetches path from a running Main and returns the status and body.
func opsGet(t *testing.T, m *Main, path, token string) (int, string) {
	t.Helper()
	return opsDo(t, m, "GET", path, token, nil)
}

// opsDo sends a request with an optional bearer token and JSON body.
func opsDo(t *testing.T, m *Main, method, path, token string, body any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, m.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMetricsAndReadyz runs Lore in process on the embedded store, processes two tables of a
// PostgreSQL warehouse, and checks /metrics and /readyz, then /readyz once the store is gone.
func TestMetricsAndReadyz(t *testing.T) {
	t.Parallel()
	whURL := testpg.NewDatabase(t)
	wh, err := sql.Open("pgx", whURL)
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	if _, err := wh.Exec(`CREATE SCHEMA shop;
		CREATE TABLE shop.orders (id int PRIMARY KEY, total numeric);
		CREATE TABLE shop.items (id int PRIMARY KEY, name text);
		INSERT INTO shop.orders VALUES (1, 9.5), (2, 3);
		INSERT INTO shop.items VALUES (1, 'pen');`); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := Config{Addr: "127.0.0.1:0", Role: "all", LogFormat: "text", LogLevel: "error", MaxWorkers: 4, JobTimeout: time.Minute}
	cfg.Store.dataDir = t.TempDir()
	m, err := NewMain(cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	if code, body := opsGet(t, m, "/readyz", ""); code != http.StatusOK || !strings.Contains(body, `{"status":"ready","store":"ok","queue":"ok"}`) {
		t.Fatalf("GET /readyz = %d %s", code, body)
	}

	// Process two tables through the API, so the counters move.
	acc := lore.NewAccounts(m.stack.Store)
	if _, err := acc.CreateUser(ctx, "ops@example.com", testPassword, lore.RoleAdmin, false); err != nil {
		t.Fatal(err)
	}
	token, _, err := acc.CreateToken(ctx, "ops@example.com", "ops")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(whURL)
	pw, _ := u.User.Password()
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	code, body := opsDo(t, m, "POST", "/api/v1/connections", token, map[string]any{
		"name": "wh", "type": "postgres", "secrets": map[string]string{"password": pw},
		"config": map[string]string{"host": u.Hostname(), "port": port, "database": strings.TrimPrefix(u.Path, "/"),
			"user": u.User.Username(), "sslmode": "disable"},
	})
	var conn struct{ ID int64 }
	if json.Unmarshal([]byte(body), &conn); code/100 != 2 || conn.ID == 0 {
		t.Fatalf("create connection: %d %s", code, body)
	}
	sel := map[string]any{"include": []map[string]string{{"database": strings.TrimPrefix(u.Path, "/"), "schema": "shop"}}}
	if code, body := opsDo(t, m, "PUT", fmt.Sprintf("/api/v1/connections/%d/selection", conn.ID), token, sel); code != http.StatusOK {
		t.Fatalf("put selection: %d %s", code, body)
	}
	code, body = opsDo(t, m, "POST", fmt.Sprintf("/api/v1/connections/%d/process", conn.ID), token, nil)
	var run struct {
		RunID int64 `json:"run_id"`
	}
	if json.Unmarshal([]byte(body), &run); code != http.StatusAccepted {
		t.Fatalf("process: %d %s", code, body)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, err := m.stack.Catalog.GetRun(ctx, run.RunID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == lore.StatusDone {
			break
		}
		if r.Status != lore.StatusRunning && r.Status != lore.StatusQueued {
			t.Fatalf("run ended %s: %s", r.Status, r.Error)
		}
		if time.Now().After(deadline) {
			t.Fatalf("run still %s after 60s", r.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// River records completions a moment after the work: wait for the queue to show them.
	queueDone := `lore_queue_jobs{kind="profile",state="completed"} 2`
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		code, body = opsGet(t, m, "/metrics", "")
		if code != http.StatusOK {
			t.Fatalf("GET /metrics = %d", code)
		}
		if strings.Contains(body, queueDone) || time.Now().After(deadline) {
			break
		}
	}
	for _, want := range []string{
		`lore_runs_total{kind="process",status="done"} 1`,
		`lore_jobs_total{kind="profile",state="done"} 2`,
		`lore_jobs_total{kind="describe",state="done"} 2`,
		`lore_warehouse_statements_total{type="postgres"} `,
		`lore_warehouse_api_calls_total{type="redshift"} 0`,
		`lore_ai_tokens_total{direction="input",provider="openai"} 0`,
		`lore_http_request_duration_seconds_count{code="202",method="POST",route="/api/v1/connections/{id}/process"} 1`,
		`lore_http_request_duration_seconds_count{code="200",method="GET",route="/readyz"} 1`,
		queueDone,
		"lore_queue_up 1",
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, `lore_warehouse_statements_total{type="postgres"} 0`) {
		t.Error("no warehouse statement was counted")
	}
	if strings.Contains(body, fmt.Sprintf("/connections/%d/", conn.ID)) {
		t.Error("a raw connection id leaked into a route label")
	}

	// With the store's database gone, /readyz says which check failed.
	m.stack.Store.DB().Close()
	code, body = opsGet(t, m, "/readyz", "")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"status":"not ready"`) || !strings.Contains(body, `"store":"unavailable"`) {
		t.Fatalf("GET /readyz with the store closed = %d %s, want 503 naming the store", code, body)
	}
}

// TestMetricsTokenAndRescueFlag checks --metrics-token given by environment and that a
// --rescue-after not longer than --job-timeout is refused.
func TestMetricsTokenAndRescueFlag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := serve(t, []string{"LORE_METRICS_TOKEN=scrape-me-please"}, "--data-dir", dir)
	if code := s.api(t, "", "GET", "/metrics", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("/metrics without the token: %d, want 401", code)
	}
	if code := s.api(t, "scrape-me-please", "GET", "/metrics", nil, nil); code != http.StatusOK {
		t.Errorf("/metrics with the token: %d, want 200", code)
	}
	// /readyz and /healthz stay open for load balancers.
	if code := s.api(t, "", "GET", "/readyz", nil, nil); code != http.StatusOK {
		t.Errorf("/readyz: %d, want 200", code)
	}
	if strings.Contains(s.log.String(), "scrape-me-please") {
		t.Error("the metrics token was logged")
	}
	r := runLore(t, nil, "", "serve", "--data-dir", t.TempDir(), "--job-timeout", "1m", "--rescue-after", "30s")
	wantOneLineError(t, r, "--rescue-after", "--job-timeout")
}
