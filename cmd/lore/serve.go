package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/stack"
	"github.com/lorehq/lore/jobs"
	"github.com/lorehq/lore/metrics"
	"github.com/lorehq/lore/store"
	"github.com/lorehq/lore/web"
)

// Config is the configuration of `lore serve`.
type Config struct {
	Addr          string
	Store         storeFlags
	Role          string
	TLSCert       string
	TLSKey        string
	TLSSelfSigned bool
	LogFormat     string
	LogLevel      string
	MaxWorkers    int
	JobTimeout    time.Duration
	RescueAfter   time.Duration
	MetricsToken  string
}

func (c *Config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	c.Store.register(fs)
	fs.StringVar(&c.Role, "role", "all", "web (serve the portal and API), worker (work jobs) or all")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file (PEM)")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	fs.BoolVar(&c.TLSSelfSigned, "tls-self-signed", false, "serve TLS with a self-signed certificate made at start")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.IntVar(&c.MaxWorkers, "max-workers", 20, "jobs this process works at once")
	fs.DurationVar(&c.JobTimeout, "job-timeout", 10*time.Minute, "longest time one job may run")
	fs.DurationVar(&c.RescueAfter, "rescue-after", 0, "re-queue the running jobs of a worker that died after this long (longer than --job-timeout; 0: job timeout + 5m)")
	fs.StringVar(&c.MetricsToken, "metrics-token", "", "bearer token /metrics requires (prefer LORE_METRICS_TOKEN); empty leaves /metrics open: keep it off the internet")
}

func (c *Config) validate() error {
	switch c.Role {
	case "web", "worker", "all":
	default:
		return lore.Errorf(lore.EINVALID, "--role must be web, worker or all, not %q", c.Role)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return lore.Errorf(lore.EINVALID, "give both --tls-cert and --tls-key, or neither")
	}
	if c.TLSCert != "" && c.TLSSelfSigned {
		return lore.Errorf(lore.EINVALID, "give --tls-cert/--tls-key or --tls-self-signed, not both")
	}
	if c.Role == "worker" && c.Store.databaseURL == "" {
		return lore.Errorf(lore.EINVALID, "--role worker needs --database-url: separate worker processes share a PostgreSQL store")
	}
	return c.validateOps()
}

func (c *Config) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, lore.Errorf(lore.EINVALID, "--log-level must be debug, info, warn or error")
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, lore.Errorf(lore.EINVALID, "--log-format must be text or json")
}

// Main is a running Lore process: store, queue and HTTP server.
type Main struct {
	Config Config
	Logger *slog.Logger

	stack    *stack.Stack
	metrics  *metrics.Metrics
	unlock   func()
	server   *http.Server
	listener net.Listener
	tls      bool
}

// NewMain returns a Main for cfg that logs to logw.
func NewMain(cfg Config, logw io.Writer) (*Main, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	logger, err := cfg.logger(logw)
	if err != nil {
		return nil, err
	}
	return &Main{Config: cfg, Logger: logger}, nil
}

// Run opens everything and starts serving; it returns once the server listens.
func (m *Main) Run(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	work := m.Config.Role != "web"
	if m.Config.Store.databaseURL == "" {
		if err := stack.PrepareDataDir(m.Config.Store.dataDir); err != nil {
			return err
		}
		// One `lore serve` per embedded store: it is the only process working its jobs.
		if m.unlock, err = stack.TryLockDir(m.Config.Store.dataDir, "serve.lock", "another `lore serve`"); err != nil {
			return err
		}
	}
	// Load the certificate and listen before opening the store, so that a bad certificate or a
	// busy --addr fails at once, without touching the data.
	if m.listener, err = m.listen(); err != nil {
		return err
	}
	m.stack, err = stack.Open(ctx, stack.Options{
		DataDir: m.Config.Store.dataDir, DatabaseURL: m.Config.Store.databaseURL, KeyProvider: m.Config.Store.keyProvider,
		Logger: m.Logger, Migrate: true, Queue: true, Work: work, MaxWorkers: m.Config.MaxWorkers, JobTimeout: m.Config.JobTimeout,
		RescueAfter: m.Config.RescueAfter,
	})
	if err != nil {
		return err
	}
	if err := m.setupMetrics(); err != nil {
		return err
	}
	if work {
		if m.stack.Store.Dialect() == store.SQLite {
			if n, err := jobs.RecoverInterrupted(ctx, m.stack.Store.DB()); err != nil {
				return err
			} else if n > 0 {
				m.Logger.Info("resumed jobs interrupted by the last stop", "jobs", n)
			}
		}
		if err := m.stack.Queue.Start(context.WithoutCancel(ctx)); err != nil {
			return fmt.Errorf("start job queue: %w", err)
		}
	}
	var handler http.Handler = http.NotFoundHandler()
	if m.Config.Role != "worker" {
		srv, err := web.New(web.Config{
			Accounts: lore.NewAccounts(m.stack.Store),
			Store:    m.stack.Store,
			Catalog:  m.stack.Catalog,
			Logger:   m.Logger,
			TLS:      m.tls,
			Version:  Version,
		})
		if err != nil {
			return err
		}
		handler = srv.Handler()
	} else {
		handler = workerHandler(m)
	}
	handler = m.opsHandler(handler)
	ln := m.listener
	m.server = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("http server stopped", "err", err)
		}
	}()
	m.Logger.Info("lore serving", "url", m.URL(), "role", m.Config.Role, "store", string(m.stack.Store.Dialect()), "version", Version)
	return nil
}

// workerHandler serves only health checks on a worker process.
func workerHandler(m *Main) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	return mux
}

// URL returns the base URL Lore serves on.
func (m *Main) URL() string {
	if m.listener == nil {
		return ""
	}
	scheme := "http"
	if m.tls {
		scheme = "https"
	}
	addr := m.listener.Addr().String()
	if strings.HasPrefix(addr, "[::]") || strings.HasPrefix(addr, "0.0.0.0") {
		_, port, _ := net.SplitHostPort(addr)
		addr = "127.0.0.1:" + port
	}
	return scheme + "://" + addr
}

// Close shuts the server down gracefully, lets running jobs finish briefly, and closes the store.
func (m *Main) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if m.server != nil {
		m.server.Shutdown(ctx)
	} else if m.listener != nil {
		m.listener.Close()
	}
	var err error
	if m.stack != nil {
		err = m.stack.Close()
	}
	if m.unlock != nil {
		m.unlock()
	}
	return err
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lore serve", stderr)
	var cfg Config
	cfg.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := NewMain(cfg, stderr)
	if err != nil {
		return err
	}
	if err := m.Run(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	m.Logger.Info("shutting down")
	return m.Close()
}
