package warehouse

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lorehq/lore"
)

// postgresSettings is a validated PostgreSQL configuration.
type postgresSettings struct {
	host, database, user, sslmode, password string
	port                                    int
	timeout                                 time.Duration
}

var sslModes = map[string]bool{"disable": true, "allow": true, "prefer": true, "require": true, "verify-ca": true, "verify-full": true}

// newPostgresSettings validates cfg. Unless sslmode is given, it is "require" (TLS, so that
// passwords and data never cross a network in clear) except for a loopback host or a Unix
// socket, where it is "prefer".
func newPostgresSettings(cfg Config) (postgresSettings, error) {
	s := postgresSettings{
		host:     cfg.get("host"),
		database: cfg.get("database"),
		user:     cfg.get("user"),
		sslmode:  strings.ToLower(cfg.get("sslmode")),
		password: cfg.secret("password"),
		port:     5432,
	}
	if s.host == "" || strings.ContainsAny(s.host, " \t\n'\\") {
		return s, lore.Errorf(lore.EINVALID, "host: enter the PostgreSQL server's host name or IP address.")
	}
	if p := cfg.get("port"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return s, lore.Errorf(lore.EINVALID, "port: %q is not a TCP port; enter a number from 1 to 65535 (PostgreSQL's default is 5432).", p)
		}
		s.port = n
	}
	if s.database == "" {
		return s, lore.Errorf(lore.EINVALID, "database: enter the name of the database to connect to.")
	}
	if s.user == "" {
		return s, lore.Errorf(lore.EINVALID, "user: enter the database user Lore logs in as.")
	}
	if s.sslmode == "" {
		s.sslmode = "require"
		if isLoopback(s.host) {
			s.sslmode = "prefer"
		}
	}
	if !sslModes[s.sslmode] {
		return s, lore.Errorf(lore.EINVALID, "sslmode: %q is not a PostgreSQL sslmode; use require (the default), verify-full (recommended), verify-ca, prefer, allow or disable.", s.sslmode)
	}
	t, err := cfg.statementTimeout()
	s.timeout = t
	return s, err
}

// isLoopback reports whether host is this machine: a loopback name or address, or a socket path.
func isLoopback(host string) bool {
	if strings.HasPrefix(host, "/") || strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// poolConfig returns the pgx pool configuration for database db. Every session is read-only by
// default and every statement has a timeout.
func (s postgresSettings) poolConfig(db string) (*pgxpool.Config, error) {
	q := func(v string) string { return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'" }
	dsn := fmt.Sprintf("host=%s port=%d dbname=%s user=%s sslmode=%s connect_timeout=15",
		q(s.host), s.port, q(db), q(s.user), s.sslmode)
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, lore.Errorf(lore.EINVALID, "The PostgreSQL settings do not form a valid connection: %v", err)
	}
	// Set explicitly so that PGPASSWORD or a .pgpass file of Lore's own environment never applies.
	pc.ConnConfig.Password = s.password
	rp := pc.ConnConfig.RuntimeParams
	rp["default_transaction_read_only"] = "on"
	rp["statement_timeout"] = strconv.FormatInt(s.timeout.Milliseconds(), 10)
	rp["application_name"] = "lore"
	pc.MaxConns = 4
	pc.MaxConnIdleTime = 5 * time.Minute
	// Lore's statements are generated per table and rarely repeat, so caching prepared
	// statements only adds a round trip: send each one in a single unnamed extended-protocol
	// exchange, parameters still bound by the server.
	pc.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	return pc, nil
}

// postgresConn is a Conn to a PostgreSQL server; it keeps one small pool per database used.
type postgresConn struct {
	s          postgresSettings
	mu         sync.Mutex
	pools      map[string]*pgxpool.Pool
	statements atomic.Int64
}

func openPostgres(_ context.Context, cfg Config) (*postgresConn, error) {
	s, err := newPostgresSettings(cfg)
	if err != nil {
		return nil, err
	}
	return &postgresConn{s: s, pools: map[string]*pgxpool.Pool{}}, nil
}

// pool returns the pool of database db, creating it on first use.
func (c *postgresConn) pool(db string) (*pgxpool.Pool, error) {
	if db == "" {
		db = c.s.database
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.pools[db]; p != nil {
		return p, nil
	}
	pc, err := c.s.poolConfig(db)
	if err != nil {
		return nil, err
	}
	p, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	c.pools[db] = p
	return p, nil
}

// Close closes every pool.
func (c *postgresConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, p := range c.pools {
		p.Close()
		delete(c.pools, k)
	}
	return nil
}

// Stats returns the number of statements run.
func (c *postgresConn) Stats() Stats { return Stats{Statements: c.statements.Load()} }

// Dialect returns lore.DialectPostgres.
func (c *postgresConn) Dialect() lore.Dialect { return lore.DialectPostgres }

// Query runs sql in a read-only transaction on the default database; see postgresQuerier.
func (c *postgresConn) Query(ctx context.Context, sql string, args ...any) (*lore.ResultSet, error) {
	return c.QuerierFor(c.s.database).Query(ctx, sql, args...)
}

// QuerierFor returns a lore.Querier that runs statements in database db.
func (c *postgresConn) QuerierFor(db string) lore.Querier { return postgresQuerier{c: c, db: db} }

// postgresQuerier runs read-only statements in one database.
type postgresQuerier struct {
	c  *postgresConn
	db string
}

// Dialect returns lore.DialectPostgres.
func (q postgresQuerier) Dialect() lore.Dialect { return lore.DialectPostgres }

// Query runs sql with args bound as $1, $2… and returns every value as PostgreSQL text (numeric
// stays exact). The statement runs on its own: the session's default_transaction_read_only makes
// it a read-only transaction without the two extra round trips of BEGIN and COMMIT.
func (q postgresQuerier) Query(ctx context.Context, sql string, args ...any) (*lore.ResultSet, error) {
	p, err := q.c.pool(q.db)
	if err != nil {
		return nil, err
	}
	var rs *lore.ResultSet
	err = func() error {
		q.c.statements.Add(1)
		opts := []any{pgx.QueryResultFormats{pgx.TextFormatCode}}
		if len(args) == 0 {
			// Nothing to bind: one plain Query message, the cheapest exchange there is.
			opts = []any{pgx.QueryExecModeSimpleProtocol}
		}
		rows, err := p.Query(ctx, sql, append(opts, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		rs = &lore.ResultSet{}
		for _, fd := range rows.FieldDescriptions() {
			rs.Columns = append(rs.Columns, fd.Name)
		}
		for rows.Next() {
			raw := rows.RawValues()
			row := make([]*string, len(raw))
			for i, v := range raw {
				if v != nil {
					s := string(v)
					row[i] = &s
				}
			}
			rs.Rows = append(rs.Rows, row)
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, q.c.mapError(err, "run query")
	}
	return rs, nil
}

// readOnly runs fn in a read-only, repeatable-read transaction, so that the statements of one
// call see one snapshot and cannot write.
func (c *postgresConn) readOnly(ctx context.Context, p *pgxpool.Pool, fn func(pgx.Tx) error) error {
	tx, err := p.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
