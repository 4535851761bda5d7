package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/lorehq/lore"
)

// SealedSecret is a connection or setting secret as stored: ciphertext and the data key id.
type SealedSecret struct {
	Ciphertext []byte
	KeyID      string
}

// CreateConnection inserts c with its sealed secrets in one transaction. A duplicate name is
// ECONFLICT.
func (s *Store) CreateConnection(ctx context.Context, c *lore.Connection, secrets map[string]SealedSecret) error {
	cfg, _ := json.Marshal(c.Config)
	set, _ := json.Marshal(c.Settings)
	now := s.now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	return s.withTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO connections (name, type, config, settings, external_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, c.Name, c.Type, string(cfg), string(set), c.ExternalID, now, now).Scan(&c.ID)
		if isConflict(err) {
			return lore.Errorf(lore.ECONFLICT, "A connection named %q already exists; choose another name.", c.Name)
		} else if err != nil {
			return mapErr(err)
		}
		return putSecrets(ctx, tx, c.ID, secrets, now)
	})
}

func putSecrets(ctx context.Context, tx *sql.Tx, connID int64, secrets map[string]SealedSecret, now time.Time) error {
	for name, sec := range secrets {
		_, err := tx.ExecContext(ctx, `INSERT INTO connection_secrets (connection_id, name, ciphertext, key_id, updated_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (connection_id, name) DO UPDATE SET ciphertext = excluded.ciphertext, key_id = excluded.key_id, updated_at = excluded.updated_at`,
			connID, name, sec.Ciphertext, sec.KeyID, now)
		if err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// UpdateConnection replaces name, config and settings, and the given secrets (others are
// kept; names in clear are deleted). ENOTFOUND or ECONFLICT (name taken).
func (s *Store) UpdateConnection(ctx context.Context, c *lore.Connection, secrets map[string]SealedSecret, clear []string) error {
	cfg, _ := json.Marshal(c.Config)
	set, _ := json.Marshal(c.Settings)
	now := s.now().UTC()
	c.UpdatedAt = now
	return s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE connections SET name = $1, config = $2, settings = $3, updated_at = $4 WHERE id = $5`,
			c.Name, string(cfg), string(set), now, c.ID)
		if isConflict(err) {
			return lore.Errorf(lore.ECONFLICT, "A connection named %q already exists; choose another name.", c.Name)
		} else if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Connection %d does not exist.", c.ID)
		}
		for _, name := range clear {
			if _, err := tx.ExecContext(ctx, `DELETE FROM connection_secrets WHERE connection_id = $1 AND name = $2`, c.ID, name); err != nil {
				return mapErr(err)
			}
		}
		return putSecrets(ctx, tx, c.ID, secrets, now)
	})
}

// DeleteConnection deletes a connection and everything stored for it (the column and
// description rows have no foreign key to cascade from, so they go first).
func (s *Store) DeleteConnection(ctx context.Context, id int64) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM catalog_columns WHERE table_id IN (SELECT id FROM catalog_tables WHERE connection_id = $1)`,
			`DELETE FROM descriptions WHERE table_id IN (SELECT id FROM catalog_tables WHERE connection_id = $1)`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return mapErr(err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM connections WHERE id = $1`, id)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Connection %d does not exist.", id)
		}
		return nil
	})
}

const connectionColumns = `id, name, type, config, settings, external_id, created_at, updated_at`

func scanConnection(sc interface{ Scan(...any) error }) (*lore.Connection, error) {
	c := &lore.Connection{}
	var cfg, set string
	if err := sc.Scan(&c.ID, &c.Name, &c.Type, &cfg, &set, &c.ExternalID, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(cfg), &c.Config); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(set), &c.Settings)
	c.Secrets = map[string]lore.SecretState{}
	return c, nil
}

// FindConnection returns a connection with the state of its secrets, or ENOTFOUND.
func (s *Store) FindConnection(ctx context.Context, id int64) (*lore.Connection, error) {
	c, err := scanConnection(s.db.QueryRowContext(ctx, `SELECT `+connectionColumns+` FROM connections WHERE id = $1`, id))
	if err == sql.ErrNoRows {
		return nil, notFound("Connection %d does not exist.", id)
	} else if err != nil {
		return nil, mapErr(err)
	}
	return c, s.fillSecretStates(ctx, []*lore.Connection{c})
}

// ListConnections returns every connection ordered by name.
func (s *Store) ListConnections(ctx context.Context) ([]*lore.Connection, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+connectionColumns+` FROM connections ORDER BY name`)
	if err != nil {
		return nil, mapErr(err)
	}
	var out []*lore.Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.fillSecretStates(ctx, out)
}

func (s *Store) fillSecretStates(ctx context.Context, cs []*lore.Connection) error {
	byID := map[int64]*lore.Connection{}
	for _, c := range cs {
		byID[c.ID] = c
	}
	rows, err := s.db.QueryContext(ctx, `SELECT connection_id, name, updated_at FROM connection_secrets`)
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		var at time.Time
		if err := rows.Scan(&id, &name, &at); err != nil {
			return err
		}
		if c := byID[id]; c != nil {
			c.Secrets[name] = lore.SecretState{Set: true, UpdatedAt: &at}
		}
	}
	return rows.Err()
}

// ConnectionSecrets returns the sealed secrets of a connection by name.
func (s *Store) ConnectionSecrets(ctx context.Context, id int64) (map[string]SealedSecret, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, ciphertext, key_id FROM connection_secrets WHERE connection_id = $1`, id)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[string]SealedSecret{}
	for rows.Next() {
		var name string
		var sec SealedSecret
		if err := rows.Scan(&name, &sec.Ciphertext, &sec.KeyID); err != nil {
			return nil, err
		}
		out[name] = sec
	}
	return out, rows.Err()
}

// FindSelection returns a connection's stored selection (empty when none was saved).
func (s *Store) FindSelection(ctx context.Context, connID int64) (lore.Selection, error) {
	var raw string
	err := s.db.QueryRowContext(ctx, `SELECT include FROM selections WHERE connection_id = $1`, connID).Scan(&raw)
	if err == sql.ErrNoRows {
		return lore.Selection{Include: []lore.SelectionItem{}}, nil
	} else if err != nil {
		return lore.Selection{}, mapErr(err)
	}
	var sel lore.Selection
	if err := json.Unmarshal([]byte(raw), &sel.Include); err != nil {
		return lore.Selection{}, err
	}
	return sel, nil
}

// SaveSelection stores the selection and, in the same transaction, marks removed every stored
// table in removeIDs and deletes its columns' metadata, descriptions and profile.
func (s *Store) SaveSelection(ctx context.Context, connID int64, sel lore.Selection, removeIDs []int64) error {
	raw, _ := json.Marshal(sel.Include)
	now := s.now().UTC()
	return s.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO selections (connection_id, include, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (connection_id) DO UPDATE SET include = excluded.include, updated_at = excluded.updated_at`, connID, string(raw), now)
		if isConflict(err) {
			return notFound("Connection %d does not exist.", connID)
		} else if err != nil {
			return mapErr(err)
		}
		for _, id := range removeIDs {
			if err := forgetTable(ctx, tx, id, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// forgetTable marks a table removed and deletes what was learned about it; the row stays so
// that personas can warn about it.
func forgetTable(ctx context.Context, tx *sql.Tx, id int64, now time.Time) error {
	for _, q := range []string{
		`DELETE FROM catalog_columns WHERE table_id = $1`,
		`DELETE FROM descriptions WHERE table_id = $1`,
		`DELETE FROM profiles WHERE table_id = $1`,
	} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return mapErr(err)
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE catalog_tables SET removed = TRUE, fingerprint = '', updated_at = $1 WHERE id = $2`, now, id)
	return mapErr(err)
}
