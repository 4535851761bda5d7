package benchmarks

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/contextpack"
	"github.com/lorehq/lore/store"
)

// personaTables is the size of the benchmark persona.
const personaTables = 50

// benchPersona returns the id of a persona of 50 wh_large tables in the shared SQLite Lore,
// creating it once, and the ids of every stored table.
func (r *Runner) benchPersona(ctx context.Context, e *loreEnv) (int64, []int64, error) {
	ts, err := e.st.Store.ListTables(ctx, store.TableFilter{ConnectionID: e.connID})
	if err != nil {
		return 0, nil, err
	}
	if len(ts) < personaTables {
		return 0, nil, fmt.Errorf("only %d tables stored, want at least %d", len(ts), personaTables)
	}
	var all []int64
	for _, t := range ts {
		all = append(all, t.ID)
	}
	if ps, err := e.st.Store.ListPersonas(ctx); err == nil && len(ps) > 0 {
		return ps[0].ID, all, nil
	}
	p := &lore.Persona{Name: "Bench analyst", Description: "Answers questions about the synthetic warehouse.",
		Instructions: "Prefer tables with comments.", TableIDs: all[:personaTables]}
	if err := e.st.Catalog.CreatePersona(ctx, e.admin, p); err != nil {
		return 0, nil, err
	}
	return p.ID, all, nil
}

// contextBench is issue 9: building a 50-table persona's context pack against reading the same
// 50 tables with GetTable, which the pack needs anyway.
func (r *Runner) contextBench(ctx context.Context) error {
	e, err := r.sqliteLore(ctx)
	if err != nil {
		return err
	}
	pid, _, err := r.benchPersona(ctx, e)
	if err != nil {
		return err
	}
	p, err := e.st.Store.FindPersona(ctx, pid)
	if err != nil {
		return err
	}
	var tokens int
	build := func() (time.Duration, error) {
		start := time.Now()
		pack, err := e.st.Catalog.Context(ctx, e.admin, pid, contextpack.Options{})
		if err == nil {
			tokens = pack.Tokens
		}
		return time.Since(start), err
	}
	read := func() (time.Duration, error) {
		start := time.Now()
		for _, id := range p.TableIDs {
			if _, err := e.st.Catalog.GetTable(ctx, id); err != nil {
				return 0, err
			}
		}
		return time.Since(start), nil
	}
	if _, err := build(); err != nil { // warm the token cache as repeated requests do
		return err
	}
	var gots, refs []time.Duration
	for range 5 {
		g, err := build()
		if err != nil {
			return err
		}
		d, err := read()
		if err != nil {
			return err
		}
		gots, refs = append(gots, g), append(refs, d)
	}
	got, ref := medianOf(gots), medianOf(refs)
	r.add(Row{Name: "context pack of a 50-table persona", Lore: fmtDur(got), Ref: fmtDur(ref) + " GetTable×50",
		Ratio: fmt.Sprintf("%.2f×", float64(got)/float64(ref)), Target: "report", Status: "info",
		Note: fmt.Sprintf("catalog.Service.Context (markdown, no budget, %d tokens) on the encrypted SQLite store holding wh_large vs GetTable of the same %d tables; interleaved, median of 5 after a warm-up", tokens, len(p.TableIDs))})
	return nil
}

// endpointStats collects one endpoint's latencies under load.
type endpointStats struct {
	mu        sync.Mutex
	latencies []time.Duration
	failed    int
	firstErr  string
}

func (s *endpointStats) record(d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.failed++
		if s.firstErr == "" {
			s.firstErr = err.Error()
		}
		return
	}
	s.latencies = append(s.latencies, d)
}

// loadBench is issue 10: 50 concurrent clients for LoadSeconds on the loopback Lore, half reading
// random tables and half the persona's context pack, with /healthz probed under that load.
func (r *Runner) loadBench(ctx context.Context) error {
	e, err := r.sqliteLore(ctx)
	if err != nil {
		return err
	}
	pid, ids, err := r.benchPersona(ctx, e)
	if err != nil {
		return err
	}
	base, err := e.serve()
	if err != nil {
		return err
	}
	const clients = 50
	names := []string{"GET /api/v1/tables/{id}", "GET /api/v1/personas/{id}/context", "GET /healthz"}
	stats := make([]*endpointStats, len(names))
	for i := range stats {
		stats[i] = &endpointStats{}
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	do := func(path string, auth bool) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+e.token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
		}
		return nil
	}
	duration := time.Duration(r.opts.LoadSeconds) * time.Second
	r.logf("   %d clients for %s ...", clients, duration)
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	for c := range clients + 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			// Clients alternate between the two API endpoints; one more client probes /healthz
			// back to back, the reference under the same load.
			k := c % 2
			if c == clients {
				k = 2
			}
			for time.Now().Before(deadline) && ctx.Err() == nil {
				path := "/healthz"
				switch k {
				case 0:
					path = fmt.Sprintf("/api/v1/tables/%d", ids[rng.IntN(len(ids))])
				case 1:
					path = fmt.Sprintf("/api/v1/personas/%d/context", pid)
				}
				start := time.Now()
				err := do(path, k != 2)
				stats[k].record(time.Since(start), err)
			}
		}()
	}
	wg.Wait()
	client.CloseIdleConnections()
	health := percentile(stats[2].latencies, 95)
	failed, total := 0, 0
	for i, s := range stats {
		failed += s.failed
		total += len(s.latencies) + s.failed
		if i == 2 {
			continue
		}
		p95 := percentile(s.latencies, 95)
		r.add(Row{Name: "load: " + names[i], Lore: fmt.Sprintf("%.0f req/s, p95 %s", float64(len(s.latencies))/duration.Seconds(), fmtDur(p95)),
			Ref: "healthz p95 " + fmtDur(health), Ratio: fmt.Sprintf("%.1f×", float64(p95)/float64(health)), Target: "report", Status: "info"})
	}
	note := fmt.Sprintf("%d clients for %s against the loopback Lore (encrypted SQLite, wh_large stored, persona of %d tables), %d reading random tables and %d the persona's context pack (markdown, no budget), plus one client probing /healthz back to back (%.0f req/s)", clients, duration, personaTables, clients/2, clients/2, float64(len(stats[2].latencies))/duration.Seconds())
	status := passFail(failed == 0)
	if failed > 0 {
		for i, s := range stats {
			if s.firstErr != "" {
				note += fmt.Sprintf("; first %s failure: %s", names[i], s.firstErr)
			}
		}
	}
	r.add(Row{Name: "load: failed requests", Lore: fmt.Sprintf("%d of %d", failed, total), Ref: "—", Target: "0", Status: status, Note: note})
	return nil
}
