// Package store persists Lore's state on SQLite (the embedded default, one encrypted file in the
// data dir) or PostgreSQL (for teams running several Lore processes). Both run the same queries
// where SQL allows; the differences live in dialect.go and the per-dialect migrations.
package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // registers the "sqlite3" driver
	_ "github.com/ncruces/go-sqlite3/vfs/adiantum"

	"github.com/lorehq/lore"
)

// Dialect names the SQL database behind a Store.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DBFileName is the SQLite database file inside the data dir.
const DBFileName = "lore.db"

// Config says which database to open.
type Config struct {
	// DataDir holds the SQLite file when DatabaseURL is empty.
	DataDir string
	// DatabaseURL selects PostgreSQL.
	DatabaseURL string
	// StoreKey, 32 bytes, encrypts the SQLite file as a whole (adiantum VFS). Nil opens a plain
	// file, which only tests and the encryption benchmark do.
	StoreKey []byte
	Logger   *slog.Logger
	// NoMigrate opens without applying migrations (lore migrate applies them explicitly).
	NoMigrate bool
}

// Store is Lore's persistence. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect Dialect
	logger  *slog.Logger
	now     func() time.Time
}

// Open opens (and migrates) the store described by cfg. It returns EUNAVAILABLE when the
// database cannot be reached and ECONFLICT when a newer Lore migrated it.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var s *Store
	var err error
	if cfg.DatabaseURL != "" {
		s, err = openPostgres(ctx, cfg.DatabaseURL)
	} else {
		s, err = openSQLite(ctx, cfg.DataDir, cfg.StoreKey)
	}
	if err != nil {
		return nil, err
	}
	s.logger = logger
	s.now = time.Now
	if !cfg.NoMigrate {
		if _, err := s.Migrate(ctx); err != nil {
			s.db.Close()
			return nil, err
		}
	} else if err := s.checkVersion(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, lore.Errorf(lore.EINVALID, "--database-url must look like postgres://user:password@host:5432/db?sslmode=verify-full")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, lore.Errorf(lore.EINVALID, "--database-url is not valid: %v", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, lore.Errorf(lore.EUNAVAILABLE, "cannot connect to PostgreSQL at %s: %s; check that the server runs and that the URL, user and password are right", u.Redacted(), pgMessage(err))
	}
	return &Store{db: db, dialect: Postgres}, nil
}

func pgMessage(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Message
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return ce.Unwrap().Error()
	}
	return err.Error()
}

// SQLiteDSN returns the DSN of the SQLite file at path, encrypted with key when key is not nil.
func SQLiteDSN(path string, key []byte) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(wal)")
	q.Add("_pragma", "synchronous(normal)")
	q.Add("_pragma", "foreign_keys(on)")
	q.Add("_pragma", "temp_store(memory)")
	q.Set("_txlock", "immediate")
	if key != nil {
		q.Set("vfs", "adiantum")
		q.Set("hexkey", hex.EncodeToString(key))
	}
	return "file:" + filepath.ToSlash(path) + "?" + q.Encode()
}

func openSQLite(ctx context.Context, dir string, key []byte) (*Store, error) {
	if dir == "" {
		dir = "lore-data"
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, lore.Errorf(lore.EUNAVAILABLE, "cannot create the data dir %s: %v; choose a writable --data-dir", dir, err)
	}
	if key != nil && len(key) != 32 {
		return nil, lore.Errorf(lore.EINVALID, "the store key must be 32 bytes")
	}
	path := filepath.Join(dir, DBFileName)
	// The file is created 0600 before SQLite opens it (SQLite would use the umask).
	if fh, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY, 0o600); err == nil {
		fh.Close()
	}
	db, err := sql.Open("sqlite3", SQLiteDSN(path, key))
	if err != nil {
		return nil, err
	}
	// One connection: SQLite has a single writer anyway, River's SQLite driver requires it, and
	// jobs can then be enqueued in the same transaction as the rows that need them.
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, sqliteOpenError(path, err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		db.Close()
		return nil, sqliteOpenError(path, err)
	}
	return &Store{db: db, dialect: SQLite}, nil
}

// sqliteCode returns the primary SQLite result code in err's chain, which the driver reports as
// an *sqlite3.Error or as a bare (extended) code.
func sqliteCode(err error) (sqlite3.ErrorCode, bool) {
	var se *sqlite3.Error
	if errors.As(err, &se) {
		return se.Code(), true
	}
	var xc sqlite3.ExtendedErrorCode
	if errors.As(err, &xc) {
		return xc.Code(), true
	}
	var c sqlite3.ErrorCode
	if errors.As(err, &c) {
		return c, true
	}
	return 0, false
}

func sqliteOpenError(path string, err error) error {
	if code, ok := sqliteCode(err); ok {
		switch code {
		case sqlite3.NOTADB:
			return lore.Errorf(lore.EUNAVAILABLE, "%s cannot be read with this key: it belongs to another installation, is not encrypted as expected, or is damaged; start Lore with the key it was created with", path)
		case sqlite3.CANTOPEN, sqlite3.READONLY, sqlite3.PERM:
			return lore.Errorf(lore.EUNAVAILABLE, "cannot open %s: %v; make the data dir writable or choose another --data-dir", path, err)
		case sqlite3.CORRUPT:
			return lore.Errorf(lore.EUNAVAILABLE, "%s is damaged (%v); restore it from a backup", path, err)
		}
	}
	return lore.Errorf(lore.EUNAVAILABLE, "cannot open %s: %v", path, err)
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DB returns the underlying database, for the job queue that shares it.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect returns the store's dialect.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// withTx runs fn in a transaction, committing when it returns nil.
func (s *Store) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return mapErr(tx.Commit())
}

// mapErr maps driver errors to lore codes by their code, never by message text.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return lore.Errorf(lore.ENOTFOUND, "not found")
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &conflictError{&lore.Error{Code: lore.ECONFLICT, Message: "already exists"}, err}
		case "23503":
			return &conflictError{&lore.Error{Code: lore.ECONFLICT, Message: "refers to something that does not exist or is still in use"}, err}
		}
	}
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.ExtendedCode() {
		case sqlite3.CONSTRAINT_UNIQUE, sqlite3.CONSTRAINT_PRIMARYKEY:
			return &conflictError{&lore.Error{Code: lore.ECONFLICT, Message: "already exists"}, err}
		case sqlite3.CONSTRAINT_FOREIGNKEY:
			return &conflictError{&lore.Error{Code: lore.ECONFLICT, Message: "refers to something that does not exist or is still in use"}, err}
		}
	}
	return err
}

// conflictError is a lore ECONFLICT that keeps the driver error for logs.
type conflictError struct {
	coded *lore.Error
	cause error
}

func (e *conflictError) Error() string   { return e.coded.Message }
func (e *conflictError) Unwrap() []error { return []error{e.coded, e.cause} }

// isConflict reports whether err is a uniqueness or foreign-key conflict.
func isConflict(err error) bool { return lore.ErrorCode(mapErr(err)) == lore.ECONFLICT }

// notFound returns an ENOTFOUND error naming what is missing.
func notFound(format string, args ...any) error {
	return lore.Errorf(lore.ENOTFOUND, format, args...)
}

// placeholders returns n parameter placeholders numbered from `from`: "$from, $from+1, …" on
// PostgreSQL, anonymous "?" on SQLite. SQLite treats $N as a named parameter and resolves each
// name with a linear search, which makes statements with thousands of them quadratic to parse;
// anonymous parameters bind in order at no cost.
func (d Dialect) placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		if d == SQLite {
			b.WriteByte('?')
		} else {
			fmt.Fprintf(&b, "$%d", from+i)
		}
	}
	return b.String()
}
