package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/lorehq/lore"
)

//go:embed migrations
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func (s *Store) migrations() ([]migration, error) {
	dir := path.Join("migrations", string(s.dialect))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration file %s: want NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// SchemaVersion returns the latest migration this Lore knows.
func (s *Store) SchemaVersion() int {
	ms, _ := s.migrations()
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

func (s *Store) ensureMigrationTable(ctx context.Context) error {
	ts := "TIMESTAMP"
	if s.dialect == Postgres {
		ts = "TIMESTAMPTZ"
	}
	_, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS lore_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at `+ts+` NOT NULL)`)
	return err
}

func (s *Store) appliedVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM lore_migrations`).Scan(&v)
	return v, err
}

// checkVersion fails when a newer Lore migrated the database.
func (s *Store) checkVersion(ctx context.Context) error {
	if err := s.ensureMigrationTable(ctx); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	v, err := s.appliedVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if known := s.SchemaVersion(); v > known {
		return lore.Errorf(lore.ECONFLICT, "the database was migrated by a newer Lore (schema version %d; this Lore knows up to %d); run that newer Lore or restore a backup", v, known)
	}
	return nil
}

// Migrate applies the migrations not yet applied, each in its own transaction, and returns how
// many ran. On PostgreSQL an advisory lock keeps concurrent starts from racing.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	if err := s.checkVersion(ctx); err != nil {
		return 0, err
	}
	ms, err := s.migrations()
	if err != nil {
		return 0, err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if s.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7347101)`); err != nil {
			return 0, err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7347101)`)
	}
	var current int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM lore_migrations`).Scan(&current); err != nil {
		return 0, err
	}
	n := 0
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return n, err
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return n, fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO lore_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.version, m.name, s.now().UTC()); err != nil {
			tx.Rollback()
			return n, fmt.Errorf("migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return n, fmt.Errorf("migration %s: %w", m.name, err)
		}
		n++
	}
	return n, nil
}
