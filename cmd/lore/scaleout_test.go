package main

import (
	"bufio"
	"cmp"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/lorehq/lore/internal/testpg"
)

// Shape of the synthetic warehouse of the scale-out test: 4 schemas of 500 tables, 3 columns.
const (
	scaleSchemas = 4
	scalePerSch  = 500
	scaleTables  = scaleSchemas * scalePerSch
	scaleColumns = 3
)

// scaleWarehouse creates a fresh PostgreSQL database holding scaleTables small tables and
// returns its name.
func scaleWarehouse(t *testing.T) (dbURL, name string) {
	t.Helper()
	dbURL = testpg.NewDatabase(t)
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Exec(fmt.Sprintf(`DO $$
BEGIN
	FOR s IN 0..%d LOOP
		EXECUTE format('CREATE SCHEMA sales_%%s', s);
		FOR i IN 0..%d LOOP
			EXECUTE format('CREATE TABLE sales_%%s.t_%%s (id integer PRIMARY KEY, name text, amount numeric(10,2))', s, i);
			EXECUTE format('INSERT INTO sales_%%s.t_%%s SELECT g, ''n'' || g, g * 1.5 FROM generate_series(1, 5) g', s, i);
		END LOOP;
	END LOOP;
END $$`, scaleSchemas-1, scalePerSch-1))
	if err != nil {
		t.Fatalf("create the synthetic warehouse: %v", err)
	}
	u, _ := url.Parse(dbURL)
	return dbURL, strings.TrimPrefix(u.Path, "/")
}

var clientIDRe = regexp.MustCompile(`River client started.*client_id=(\S+)`)

// riverClientID returns the River client id a worker logs as it starts.
func riverClientID(t *testing.T, s *server) string {
	t.Helper()
	var m []string
	waitFor(t, 20*time.Second, "the worker to log its River client id", func() bool {
		m = clientIDRe.FindStringSubmatch(s.log.String())
		return m != nil
	})
	return m[1]
}

// scrapeSum sums the samples of one metric family on a server's /metrics.
func scrapeSum(t *testing.T, s *server, family string) float64 {
	t.Helper()
	resp, err := s.client.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", resp.StatusCode)
	}
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, family+"{") && !strings.HasPrefix(line, family+" ") {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			t.Fatalf("bad sample %q", line)
		}
		sum += v
	}
	return sum
}

// count runs a query returning one number.
func count(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// waitFor polls cond every 250 ms until it holds or d passed.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestScaleOutKillWorker runs one web and two worker processes on one PostgreSQL store, Saves
// and Processes 2,000 tables, kills a worker with SIGKILL in the middle, and checks that the
// run still finishes with every table profiled and described exactly once, that both workers
// worked jobs, and that the dead worker's jobs were taken over by the survivor.
func TestScaleOutKillWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("the scale-out test takes about a minute; run it without -short")
	}
	storeURL := testpg.NewDatabase(t)
	_, whName := scaleWarehouse(t)
	whURL, _ := url.Parse(testpg.ServerURL(t))
	pw, _ := whURL.User.Password()
	keys := t.TempDir()
	storeArgs := []string{"--database-url", storeURL, "--data-dir", keys}

	mustLore(t, nil, "", append([]string{"migrate"}, storeArgs...)...)
	token := createAdmin(t, nil, storeArgs...)
	workerArgs := append([]string{"--role", "worker", "--max-workers", "16", "--job-timeout", "10s", "--rescue-after", "15s"}, storeArgs...)
	web := serve(t, nil, append([]string{"--role", "web"}, storeArgs...)...)
	w1 := serve(t, nil, workerArgs...)
	w2 := serve(t, nil, workerArgs...)
	id1, id2 := riverClientID(t, w1), riverClientID(t, w2)
	if id1 == id2 {
		t.Fatalf("both workers have River client id %s", id1)
	}
	for _, s := range []*server{web, w1, w2} {
		var ready map[string]string
		if code := s.api(t, "", "GET", "/readyz", nil, &ready); code != http.StatusOK || ready["status"] != "ready" {
			t.Fatalf("GET /readyz: %d %v", code, ready)
		}
	}

	db, err := sql.Open("pgx", storeURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Save and Process through the web process's API.
	var conn struct {
		ID int64 `json:"id"`
	}
	body := map[string]any{
		"name": "scale", "type": "postgres",
		"config": map[string]string{"host": whURL.Hostname(), "port": cmp.Or(whURL.Port(), "5432"), "database": whName,
			"user": whURL.User.Username(), "sslmode": "disable"},
		"secrets":  map[string]string{"password": pw},
		"settings": map[string]int{"concurrency": 12},
	}
	if code := web.api(t, token, "POST", "/api/v1/connections", body, &conn); code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("POST /api/v1/connections: status %d", code)
	}
	var include []map[string]string
	for s := range scaleSchemas {
		include = append(include, map[string]string{"database": whName, "schema": fmt.Sprintf("sales_%d", s)})
	}
	path := fmt.Sprintf("/api/v1/connections/%d", conn.ID)
	if code := web.api(t, token, "PUT", path+"/selection", map[string]any{"include": include}, nil); code != http.StatusOK {
		t.Fatalf("PUT selection: status %d", code)
	}
	start := time.Now()
	var run struct {
		RunID int64 `json:"run_id"`
	}
	if code := web.api(t, token, "POST", path+"/process", nil, &run); code != http.StatusAccepted {
		t.Fatalf("POST process: status %d", code)
	}

	// Kill w1 once a third of the items are done, while it is working.
	items := 2 * scaleTables
	waitFor(t, 90*time.Second, "a third of the items to finish", func() bool {
		return count(t, db, `SELECT count(*) FROM run_items WHERE run_id = $1 AND state = 'done'`, run.RunID) >= items/3
	})
	done1, done2 := scrapeSum(t, w1, "lore_jobs_total"), scrapeSum(t, w2, "lore_jobs_total")
	if done1 == 0 || done2 == 0 {
		t.Fatalf("before the kill, worker 1 finished %v jobs and worker 2 %v: both should work", done1, done2)
	}
	if err := w1.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-w1.done
	// A commit the worker sent just before it died can still land on the server after the
	// process is gone; give those a moment so that what is left running is truly orphaned.
	time.Sleep(time.Second)
	// The jobs River still shows running on the dead worker are lost unless rescued.
	var orphans []int64
	rows, err := db.Query(`SELECT id FROM river_job WHERE state = 'running' AND attempted_by[cardinality(attempted_by)] = $1`, id1)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		orphans = append(orphans, id)
	}
	rows.Close()
	if len(orphans) == 0 {
		t.Fatal("worker 1 held no running job when killed; the test did not kill it in the middle")
	}
	t.Logf("killed worker 1 after %s: %.0f jobs done by it, %.0f by worker 2, %d of its jobs left running",
		time.Since(start).Round(time.Millisecond), done1, done2, len(orphans))

	// The survivor finishes the run, taking over the dead worker's jobs once River rescues them.
	// Generous: on a busy 2-core machine a worker finishes only a few dozen jobs a second.
	var status string
	deadline := time.Now().Add(5 * time.Minute)
	for {
		db.QueryRow(`SELECT status FROM runs WHERE id = $1`, run.RunID).Scan(&status)
		if status != "queued" && status != "running" {
			break
		}
		if time.Now().After(deadline) {
			var items, queue string
			db.QueryRow(`SELECT string_agg(state || '=' || n, ' ') FROM (SELECT state, count(*) AS n FROM run_items WHERE run_id = $1 GROUP BY state) q`, run.RunID).Scan(&items)
			db.QueryRow(`SELECT string_agg(state || '=' || n, ' ') FROM (SELECT state::text, count(*) AS n FROM river_job GROUP BY state) q`).Scan(&queue)
			t.Fatalf("the run is still %s after 5 minutes; items: %s; queue: %s", status, items, queue)
		}
		time.Sleep(500 * time.Millisecond)
	}
	waitFor(t, 30*time.Second, "every job to be completed in the queue", func() bool {
		return count(t, db, `SELECT count(*) FROM river_job WHERE state <> 'completed'`) == 0
	})
	t.Logf("run %s after %s", status, time.Since(start).Round(time.Millisecond))
	if status != "done" {
		t.Fatalf("run ended %s", status)
	}
	var apiRun struct {
		Status string `json:"status"`
		Counts struct {
			Total, Done, Failed, Queued, Running int
		} `json:"counts"`
	}
	if code := web.api(t, token, "GET", fmt.Sprintf("/api/v1/runs/%d", run.RunID), nil, &apiRun); code != http.StatusOK {
		t.Fatalf("GET run: %d", code)
	}
	if apiRun.Status != "done" || apiRun.Counts.Total != items || apiRun.Counts.Done != items {
		t.Fatalf("run via the API: %+v, want %d items all done", apiRun, items)
	}

	// Nothing lost: every table has each job done once, a profile, columns and descriptions.
	checks := []struct {
		what  string
		query string
		want  int
	}{
		{"run items", `SELECT count(*) FROM run_items WHERE run_id = $1`, items},
		{"distinct run items", `SELECT count(DISTINCT (table_id, job)) FROM run_items WHERE run_id = $1`, items},
		{"done run items", `SELECT count(*) FROM run_items WHERE run_id = $1 AND state = 'done'`, items},
		{"stored tables", `SELECT count(*) FROM catalog_tables WHERE NOT removed`, scaleTables},
		{"distinct stored tables", `SELECT count(DISTINCT (database_name, schema_name, name)) FROM catalog_tables`, scaleTables},
		{"column rows", `SELECT count(*) FROM catalog_columns`, scaleTables * scaleColumns},
		{"distinct columns", `SELECT count(DISTINCT (table_id, name)) FROM catalog_columns`, scaleTables * scaleColumns},
		{"profile rows", `SELECT count(*) FROM profiles`, scaleTables},
		{"tables with a profile", `SELECT count(DISTINCT table_id) FROM profiles`, scaleTables},
		{"tables with descriptions", `SELECT count(DISTINCT table_id) FROM descriptions`, scaleTables},
		{"duplicate descriptions", `SELECT count(*) - count(DISTINCT (table_id, column_name, source)) FROM descriptions`, 0},
		{"duplicate jobs in the queue", `SELECT count(*) - count(DISTINCT (kind, args->>'run_id', args->>'table_id')) FROM river_job`, 0},
		{"table jobs in the queue", `SELECT count(*) FROM river_job WHERE kind IN ('profile', 'describe') AND (args->>'run_id')::bigint = $1`, items},
	}
	for _, c := range checks {
		var args []any
		if strings.Contains(c.query, "$1") {
			args = append(args, run.RunID)
		}
		if got := count(t, db, c.query, args...); got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}
	// Both workers completed jobs, and the survivor completed every job the dead one held.
	for _, id := range []string{id1, id2} {
		if n := count(t, db, `SELECT count(*) FROM river_job WHERE state = 'completed' AND attempted_by[cardinality(attempted_by)] = $1`, id); n == 0 {
			t.Errorf("worker %s completed no job", id)
		}
	}
	rescued := 0
	for _, jobID := range orphans {
		var state string
		var last string
		db.QueryRow(`SELECT state, attempted_by[cardinality(attempted_by)] FROM river_job WHERE id = $1`, jobID).Scan(&state, &last)
		if state != "completed" {
			t.Errorf("job %d of the dead worker ended %s", jobID, state)
		}
		if last == id2 {
			rescued++
		}
	}
	// A completion already on its way when the worker died may still have landed (completed
	// by the dead worker, which is not a loss); the others must have been taken over.
	if rescued == 0 {
		t.Errorf("none of the %d jobs the dead worker held was completed by worker 2", len(orphans))
	}
	if got := scrapeSum(t, w2, "lore_jobs_total"); got <= done2 {
		t.Errorf("worker 2's lore_jobs_total did not grow after the kill (%v)", got)
	}
	t.Logf("worker 2: mean job time %.3fs",
		scrapeSum(t, w2, "lore_job_duration_seconds_sum")/scrapeSum(t, w2, "lore_job_duration_seconds_count"))
}
