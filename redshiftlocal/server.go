package redshiftlocal

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/lorehq/lore"
)

// Config configures a local Data API endpoint.
type Config struct {
	// PostgresURL is the server the endpoint runs statements on. Its role must be a superuser
	// (or able to SET ROLE to every mapped role and to create roles); the Redshift Database
	// parameter selects a database on the same server.
	PostgresURL string
	// AccessKeyID and SecretAccessKey are the only credentials whose SigV4 signatures pass.
	AccessKeyID     string
	SecretAccessKey string
	// IAMUser is the IAM user name the key pair belongs to (default "lore"); it maps to the
	// PostgreSQL role "IAM:<IAMUser>" when no DbUser or secret is given.
	IAMUser string
	// Clusters and Workgroups are the provisioned cluster identifiers and serverless workgroup
	// names that exist. When both are empty, one of each named "lore-local" exists.
	Clusters   []string
	Workgroups []string
	// Secrets maps a SecretArn (or secret name) to the database user it logs in as.
	Secrets map[string]Secret
	// Throttle reproduces the documented per-operation rate limits and the active statement quota.
	Throttle bool
	// MaxActiveStatements caps statements that are SUBMITTED, PICKED or STARTED (0: 200 with
	// Throttle, unlimited without).
	MaxActiveStatements int
	// Retention is how long statements and results are kept (default 24 h).
	Retention time.Duration
	// MaxResultBytes caps one statement's result (default 100 MiB); MaxStoredBytes caps all kept
	// results (default 1 GiB), evicting the oldest statements first.
	MaxResultBytes int64
	MaxStoredBytes int64
	// PageBytes is the JSON size GetStatementResult aims for per page (default 1 MiB).
	PageBytes int
	// Logger receives request and statement logs (default: discarded).
	Logger *slog.Logger
}

// Secret is what a configured Secrets Manager secret holds for the Data API.
type Secret struct {
	// Username is the PostgreSQL role the secret logs in as.
	Username string
	// ClusterIdentifier, when set, must equal the request's ClusterIdentifier.
	ClusterIdentifier string
	// Database is used when the request names none.
	Database string
}

// Server is a local Redshift Data API endpoint. It is safe for concurrent use.
type Server struct {
	cfg      Config
	log      *slog.Logger
	pgcfg    *pgx.ConnConfig
	store    *store
	throttle *throttle
	slots    chan struct{}

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	pools map[string]*pgxpool.Pool
	ready map[string]bool
	roles map[string]bool
	qid   int64
}

// New returns a Server for cfg. It returns an EINVALID error when the PostgreSQL URL or the key
// pair is missing or malformed; PostgreSQL is first contacted by the first request.
func New(cfg Config) (*Server, error) {
	if cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" {
		return nil, lore.Errorf(lore.EINVALID, "the local Redshift endpoint needs an access key id and a secret access key; pass --access-key-id and --secret-access-key")
	}
	if cfg.PostgresURL == "" {
		return nil, lore.Errorf(lore.EINVALID, "the local Redshift endpoint needs a PostgreSQL URL; pass --postgres-url postgres://user@host:5432/dev")
	}
	pgcfg, err := pgx.ParseConfig(cfg.PostgresURL)
	if err != nil {
		return nil, lore.Errorf(lore.EINVALID, "the PostgreSQL URL for the local Redshift endpoint does not parse (%v); pass a URL like postgres://user@host:5432/dev", err)
	}
	if cfg.IAMUser == "" {
		cfg.IAMUser = "lore"
	}
	if len(cfg.Clusters) == 0 && len(cfg.Workgroups) == 0 {
		cfg.Clusters = []string{"lore-local"}
		cfg.Workgroups = []string{"lore-local"}
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 24 * time.Hour
	}
	if cfg.MaxResultBytes <= 0 {
		cfg.MaxResultBytes = 100 << 20
	}
	if cfg.MaxStoredBytes <= 0 {
		cfg.MaxStoredBytes = 1 << 30
	}
	if cfg.PageBytes <= 0 {
		cfg.PageBytes = 1 << 20
	}
	if cfg.MaxActiveStatements == 0 && cfg.Throttle {
		cfg.MaxActiveStatements = 200
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:   cfg,
		log:   cfg.Logger,
		pgcfg: pgcfg,
		store: newStore(cfg.Retention, cfg.MaxStoredBytes),
		slots: make(chan struct{}, 16),
		ctx:   ctx, cancel: cancel,
		pools: map[string]*pgxpool.Pool{},
		ready: map[string]bool{},
		roles: map[string]bool{},
	}
	if cfg.Throttle {
		s.throttle = newThrottle()
	}
	s.wg.Add(1)
	go s.sweep()
	return s, nil
}

// Handler returns the HTTP handler that serves the Data API.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Serve answers Data API requests on ln until ctx is done, then shuts the HTTP server down and
// closes s. It returns nil after a shutdown caused by ctx.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 30 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		s.Close()
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := hs.Shutdown(shutdown)
	s.Close()
	return err
}

// Close aborts running statements, waits for them and closes PostgreSQL connections.
func (s *Server) Close() error {
	s.cancel()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, p := range s.pools {
		p.Close()
		delete(s.pools, name)
	}
	return nil
}

// sweep drops expired statements every minute.
func (s *Server) sweep() {
	defer s.wg.Done()
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.store.expire(time.Now())
		}
	}
}

type operation func(s *Server, ctx context.Context, body []byte) (any, error)

var operations = map[string]operation{
	"ExecuteStatement":      opExecuteStatement,
	"BatchExecuteStatement": opBatchExecuteStatement,
	"DescribeStatement":     opDescribeStatement,
	"GetStatementResult":    opGetStatementResult,
	"CancelStatement":       opCancelStatement,
	"ListStatements":        opListStatements,
	"ListDatabases":         opListDatabases,
	"ListSchemas":           opListSchemas,
	"ListTables":            opListTables,
	"DescribeTable":         opDescribeTable,
}

// maxRequestBytes bounds a request body: 40 statements of 100 KB plus parameters.
const maxRequestBytes = 8 << 20

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newUUID()
	w.Header().Set("X-Amzn-RequestId", reqID)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	start := time.Now()
	target := r.Header.Get("X-Amz-Target")
	out, err := s.handle(r, target)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			s.log.Error("redshiftlocal: internal error", "target", target, "request_id", reqID, "err", err)
			ae = serverError(errInternal, "The server encountered an internal error (request %s); see the endpoint's log.", reqID)
		}
		s.log.Info("redshiftlocal: request failed", "target", target, "request_id", reqID, "type", ae.Type, "message", ae.Message)
		w.Header().Set("X-Amzn-ErrorType", ae.Type)
		w.WriteHeader(ae.Status)
		_ = json.NewEncoder(w).Encode(ae.body())
		return
	}
	s.log.Debug("redshiftlocal: request", "target", target, "request_id", reqID, "elapsed", time.Since(start))
	_ = json.NewEncoder(w).Encode(out)
}

func (s *Server) handle(r *http.Request, target string) (any, error) {
	if r.Method != http.MethodPost {
		return nil, clientError(errUnknownOperation, "The Data API accepts only POST requests with an X-Amz-Target header.")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	if err != nil {
		return nil, clientError(errSerialization, "The request body could not be read: %v", err)
	}
	if len(body) > maxRequestBytes {
		return nil, validationf("The request body is larger than %d bytes.", maxRequestBytes)
	}
	if ae := s.verifySignature(r, body); ae != nil {
		return nil, ae
	}
	name, ok := strings.CutPrefix(target, "RedshiftData.")
	op := operations[name]
	if !ok || op == nil {
		return nil, clientError(errUnknownOperation, "Unknown operation %q; X-Amz-Target must be RedshiftData.<Operation>.", target)
	}
	if s.throttle != nil && !s.throttle.allow(name, time.Now()) {
		return nil, clientError(errThrottling, "Rate exceeded")
	}
	return op(s, r.Context(), body)
}

// decode unmarshals a request body into T, mapping malformed JSON to SerializationException.
func decode[T any](body []byte) (T, error) {
	var v T
	if len(body) == 0 {
		return v, nil
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return v, clientError(errSerialization, "The request body is not valid JSON for this operation: %v", err)
	}
	return v, nil
}

// newUUID returns a random lowercase version-4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// epoch renders t as the JSON number of epoch seconds the SDK expects.
func epoch(t time.Time) json.Number {
	return json.Number(fmt.Sprintf("%.3f", float64(t.UnixMilli())/1000))
}
