package redshiftlocal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
)

// sysSchema is the schema the endpoint owns in every database it serves: the Redshift system
// views live there, and it is on the search_path of every session.
const sysSchema = "lore_redshift"

// sessionParams make a PostgreSQL session look like a Redshift one: UTC, ISO dates, and the
// system views found by their unqualified Redshift names.
func sessionParams() map[string]string {
	return map[string]string{
		"search_path":      `"$user", public, ` + sysSchema,
		"TimeZone":         "UTC",
		"DateStyle":        "ISO, MDY",
		"application_name": "redshiftlocal",
	}
}

// pool returns the catalog pool of database db (connected as the configured superuser),
// installing the system views on first use.
func (s *Server) pool(ctx context.Context, db string) (*pgxpool.Pool, error) {
	s.mu.Lock()
	p := s.pools[db]
	ready := s.ready[db]
	s.mu.Unlock()
	if p == nil {
		cfg, err := pgxpool.ParseConfig(s.cfg.PostgresURL)
		if err != nil {
			return nil, err
		}
		cfg.ConnConfig.Database = db
		for k, v := range sessionParams() {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
		cfg.MaxConns = 4
		np, err := pgxpool.NewWithConfig(s.ctx, cfg)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		if p = s.pools[db]; p == nil {
			p = np
			s.pools[db] = np
		} else {
			np.Close()
		}
		s.mu.Unlock()
	}
	if !ready {
		if err := installViews(ctx, p); err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.ready[db] = true
		s.mu.Unlock()
	}
	return p, nil
}

// connect opens a fresh session on database db for one statement or batch, as Redshift's Data
// API does without a SessionId. Cancelling ctx sends PostgreSQL a cancel request.
func (s *Server) connect(ctx context.Context, db string) (*pgconn.PgConn, error) {
	cfg := s.pgcfg.Config.Copy()
	cfg.Database = db
	for k, v := range sessionParams() {
		cfg.RuntimeParams[k] = v
	}
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 2 * time.Second}
	}
	return pgconn.ConnectConfig(ctx, cfg)
}

// prepareRole makes sure role can log in to db the way Redshift would let it: a mapped IAM
// role is created on first use (as GetClusterCredentialsWithIAM does), any other role must
// exist and hold CONNECT on the database. The returned error text is Redshift's.
func (s *Server) prepareRole(ctx context.Context, p *pgxpool.Pool, t target) error {
	if strings.HasPrefix(t.Role, "IAM:") || strings.HasPrefix(t.Role, "IAMR:") {
		s.mu.Lock()
		done := s.roles[t.Role]
		s.mu.Unlock()
		if !done {
			_, err := p.Exec(ctx, "CREATE ROLE "+pgx.Identifier{t.Role}.Sanitize())
			var pe *pgconn.PgError
			if errors.As(err, &pe) && (pe.Code == "42710" || pe.Code == "23505") {
				err = nil // created meanwhile by another endpoint
			}
			if err != nil {
				return fmt.Errorf("create role %s: %w", t.Role, err)
			}
			s.mu.Lock()
			s.roles[t.Role] = true
			s.mu.Unlock()
		}
	}
	var exists, canConnect bool
	err := p.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1),
		COALESCE((SELECT has_database_privilege(r.oid, current_database(), 'CONNECT') FROM pg_roles r WHERE rolname = $1), false)`,
		t.Role).Scan(&exists, &canConnect)
	if err != nil {
		return err
	}
	if !exists {
		return &sessionError{text: fmt.Sprintf("FATAL: user \"%s\" does not exist", t.Role)}
	}
	if !canConnect {
		return &sessionError{text: fmt.Sprintf("FATAL: permission denied for database \"%s\"", t.Database)}
	}
	return nil
}

// sessionError is a failure to open a session for the caller, worded as Redshift words it.
type sessionError struct{ text string }

func (e *sessionError) Error() string { return e.text }

// errorText renders a PostgreSQL or connection error the way the Data API's Error member does
// ("ERROR: relation \"x\" does not exist").
func errorText(err error) string {
	var se *sessionError
	if errors.As(err, &se) {
		return se.text
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		sev := pe.Severity
		if sev == "" {
			sev = "ERROR"
		}
		text := sev + ": " + pe.Message
		if pe.Detail != "" {
			text += "\n  Detail: " + pe.Detail
		}
		return text
	}
	return "ERROR: " + err.Error()
}

// catalogError maps a failure of a synchronous catalog call to the exception AWS sends.
func catalogError(err error) error {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var se *sessionError
	var ce *pgconn.ConnectError
	if errors.As(err, &se) || errors.As(err, &ce) {
		return serverError(errDatabaseConn, "%s", errorText(err))
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		if pe.Code == "57014" {
			return clientError("QueryTimeoutException", "%s", errorText(err))
		}
		return serverError(errInternal, "%s", errorText(err))
	}
	return err
}

// asRole runs fn in a read-only transaction on db's catalog pool with the caller's role set, so
// that PostgreSQL's privileges apply to what fn reads.
func (s *Server) asRole(ctx context.Context, t target, fn func(tx pgx.Tx) error) error {
	p, err := s.pool(ctx, t.Database)
	if err != nil {
		return catalogError(err)
	}
	if err := s.prepareRole(ctx, p, t); err != nil {
		return catalogError(err)
	}
	tx, err := p.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return catalogError(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+pgx.Identifier{t.Role}.Sanitize()); err != nil {
		return catalogError(err)
	}
	if err := fn(tx); err != nil {
		return catalogError(err)
	}
	return tx.Commit(ctx)
}
