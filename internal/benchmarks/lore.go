package benchmarks

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/stack"
	"github.com/lorehq/lore/web"
)

// loreEnv is a whole Lore opened the way `lore serve` opens it (stack.Open with its default
// queue settings), with an admin, an API token and a connection to wh_large whose selection is
// its twenty schemas. The catalog service queues no per-table jobs: only the catalog step runs.
type loreEnv struct {
	st     *stack.Stack
	admin  *lore.User
	token  string
	connID int64
	url    string // web server base URL, once serve ran
	close  []func()
}

const benchPassword = "lore bench password 1"

// openLore opens a Lore on a fresh SQLite data dir (dbURL empty) or on the PostgreSQL database
// dbURL, which the caller created.
func (r *Runner) openLore(ctx context.Context, dbURL string) (*loreEnv, error) {
	dir, err := os.MkdirTemp("", "lore-bench-*")
	if err != nil {
		return nil, err
	}
	e := &loreEnv{close: []func(){func() { os.RemoveAll(dir) }}}
	st, err := stack.Open(ctx, stack.Options{DataDir: dir, DatabaseURL: dbURL, Migrate: true, Queue: true, Work: true, MaxWorkers: 20})
	if err != nil {
		e.Close()
		return nil, err
	}
	e.st = st
	e.close = append(e.close, func() { st.Close() })
	st.Catalog.JobKinds = []string{}
	if err := st.Queue.Start(context.WithoutCancel(ctx)); err != nil {
		e.Close()
		return nil, err
	}
	acc := lore.NewAccounts(st.Store)
	if e.admin, err = acc.CreateUser(ctx, "bench@example.com", benchPassword, lore.RoleAdmin, false); err == nil {
		e.token, _, err = acc.CreateToken(ctx, e.admin.Email, "bench")
	}
	if err == nil {
		e.connID, err = e.connect(ctx, r, whLarge)
	}
	if err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// connect creates a connection to a synthetic warehouse and selects its wh_s* schemas whole.
func (e *loreEnv) connect(ctx context.Context, r *Runner, w synthetic) (int64, error) {
	c, err := e.st.Catalog.CreateConnection(ctx, e.admin, r.connectionInput(w.Name))
	if err != nil {
		return 0, err
	}
	sel := lore.Selection{}
	for _, it := range schemasOf(w.Name, w.Schemas) {
		sel.Include = append(sel.Include, lore.SelectionItem{Database: it.Database, Schema: it.Schema, FutureTables: true})
	}
	if _, err := e.st.Catalog.PutSelection(ctx, e.admin, c.ID, sel, true); err != nil {
		return 0, err
	}
	return c.ID, nil
}

// Close stops the web server and the stack and removes the data dir.
func (e *loreEnv) Close() {
	for i := len(e.close) - 1; i >= 0; i-- {
		e.close[i]()
	}
	e.close = nil
}

// process runs Save and Process and returns the time from Process() to the run's end.
func (e *loreEnv) process(ctx context.Context) (time.Duration, *lore.Run, error) {
	start := time.Now()
	run, err := e.st.Catalog.Process(ctx, e.admin, e.connID)
	if err != nil {
		return 0, nil, err
	}
	for run.Status == lore.StatusQueued || run.Status == lore.StatusRunning {
		select {
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if run, err = e.st.Store.FindRun(ctx, run.ID, false); err != nil {
			return 0, nil, err
		}
	}
	d := time.Since(start)
	if run.Status != lore.StatusDone {
		return d, run, lore.Errorf(lore.EINTERNAL, "run %d ended %s: %s", run.ID, run.Status, run.Error)
	}
	return d, run, nil
}

// serve starts the web server on a loopback port (once) and returns its base URL.
func (e *loreEnv) serve() (string, error) {
	if e.url != "" {
		return e.url, nil
	}
	srv, err := web.New(web.Config{Accounts: lore.NewAccounts(e.st.Store), Store: e.st.Store, Catalog: e.st.Catalog, Version: "bench"})
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return
		}
	}()
	e.close = append(e.close, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
	})
	e.url = "http://" + ln.Addr().String()
	return e.url, nil
}

// scratchDatabase creates an empty database on the benchmark server and returns its URL and a
// function that drops it.
func (r *Runner) scratchDatabase(ctx context.Context, prefix string) (string, func(), error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := prefix + "_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", r.opts.ServerURL)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		admin.Close()
		return "", nil, err
	}
	drop := func() {
		_, _ = admin.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`)
		admin.Close()
	}
	return r.dbURL(name), drop, nil
}

// sqliteLore returns a SQLite Lore holding wh_large's catalog (one Save and Process), opened
// once and shared by the process, context and load benchmarks.
func (r *Runner) sqliteLore(ctx context.Context) (*loreEnv, error) {
	if r.lore != nil {
		return r.lore, nil
	}
	if err := r.ensure(ctx, whLarge); err != nil {
		return nil, err
	}
	e, err := r.openLore(ctx, "")
	if err != nil {
		return nil, err
	}
	if _, _, err := e.process(ctx); err != nil {
		e.Close()
		return nil, err
	}
	r.lore = e
	r.cleanups = append(r.cleanups, e.Close)
	return e, nil
}
