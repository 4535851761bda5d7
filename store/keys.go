package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/lorehq/lore/vault"
)

// The store keeps data keys for the vault and walks every sealed value for key rotation.
var (
	_ vault.KeyStore = (*Store)(nil)
	_ vault.Resealer = (*Store)(nil)
)

// Associated data of every sealed value: the table, a record id that is never reused, and the
// field. Copying a ciphertext to another row or field makes it fail to open.

// ConnectionSecretAD binds a connection secret.
func ConnectionSecretAD(connID int64, name string) vault.AD {
	return vault.AD{Table: "connection_secrets", RecordID: strconv.FormatInt(connID, 10), Field: name}
}

// SettingSecretAD binds a setting secret (an AI provider key).
func SettingSecretAD(name string) vault.AD {
	return vault.AD{Table: "setting_secrets", RecordID: name, Field: "ciphertext"}
}

// ProfileAD binds a table's profile (min/max and sample values).
func ProfileAD(tableID int64) vault.AD {
	return vault.AD{Table: "profiles", RecordID: strconv.FormatInt(tableID, 10), Field: "data"}
}

// DataKeys returns every data key, oldest first.
func (s *Store) DataKeys(ctx context.Context) ([]vault.DataKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, wrapped, provider, kek_ref, canary, state, created_at FROM data_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []vault.DataKey
	for rows.Next() {
		var k vault.DataKey
		var state string
		if err := rows.Scan(&k.ID, &k.Wrapped, &k.Provider, &k.KEKRef, &k.Canary, &state, &k.Created); err != nil {
			return nil, err
		}
		k.State = vault.KeyState(state)
		out = append(out, k)
	}
	return out, rows.Err()
}

// AddDataKey inserts an active key and demotes prevActive, or returns vault.ErrConflict.
func (s *Store) AddDataKey(ctx context.Context, k vault.DataKey, prevActive string) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		var active string
		err := tx.QueryRowContext(ctx, `SELECT id FROM data_keys WHERE state = 'active'`).Scan(&active)
		if err != nil && err != sql.ErrNoRows {
			return mapErr(err)
		}
		if active != prevActive {
			return vault.ErrConflict
		}
		if prevActive != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE data_keys SET state = 'decrypt_only' WHERE id = $1 AND state = 'active'`, prevActive); err != nil {
				return mapErr(err)
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO data_keys (id, wrapped, provider, kek_ref, canary, state, created_at) VALUES ($1, $2, $3, $4, $5, 'active', $6)`,
			k.ID, k.Wrapped, k.Provider, k.KEKRef, k.Canary, k.Created)
		if isConflict(err) {
			return vault.ErrConflict
		}
		return mapErr(err)
	})
}

// UpdateWrapped replaces a key's wrapping if it is unchanged, else returns vault.ErrConflict.
func (s *Store) UpdateWrapped(ctx context.Context, id string, oldWrapped, newWrapped []byte, provider, kekRef string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE data_keys SET wrapped = $1, provider = $2, kek_ref = $3 WHERE id = $4 AND wrapped = $5`,
		newWrapped, provider, kekRef, id, oldWrapped)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vault.ErrConflict
	}
	return nil
}

// RetireDataKey retires a decrypt-only key, or returns vault.ErrConflict.
func (s *Store) RetireDataKey(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE data_keys SET state = 'retired' WHERE id = $1 AND state = 'decrypt_only'`, id)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vault.ErrConflict
	}
	return nil
}

// sealedTables lists every column holding vault ciphertext: ref prefix, table, key and value
// columns, and how to rebuild the associated data from the key.
var sealedTables = []struct {
	prefix, table, keyExpr, valueCol string
	ad                               func(key string) vault.AD
}{
	{"c", "connection_secrets", "connection_id || ':' || name", "ciphertext", func(k string) vault.AD {
		id, name, _ := strings.Cut(k, ":")
		n, _ := strconv.ParseInt(id, 10, 64)
		return ConnectionSecretAD(n, name)
	}},
	{"p", "profiles", "CAST(table_id AS TEXT)", "data", func(k string) vault.AD {
		n, _ := strconv.ParseInt(k, 10, 64)
		return ProfileAD(n)
	}},
	{"s", "setting_secrets", "name", "ciphertext", SettingSecretAD},
}

// CountSealed returns how many stored values are sealed under keyID.
func (s *Store) CountSealed(ctx context.Context, keyID string) (int64, error) {
	var total int64
	for _, t := range sealedTables {
		var n int64
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM `+t.table+` WHERE key_id = $1`, keyID).Scan(&n); err != nil {
			return 0, mapErr(err)
		}
		total += n
	}
	return total, nil
}

// SealedValues returns up to limit values sealed under keyID with Ref after `after`. Refs are
// "<prefix>/<key>", ordered by prefix then key.
func (s *Store) SealedValues(ctx context.Context, keyID, after string, limit int) ([]vault.SealedValue, error) {
	var out []vault.SealedValue
	for _, t := range sealedTables {
		if len(out) >= limit {
			break
		}
		afterKey := ""
		if after != "" {
			p, k, _ := strings.Cut(after, "/")
			if p > t.prefix {
				continue
			}
			if p == t.prefix {
				afterKey = k
			}
		}
		rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT %[1]s AS k, %[2]s FROM %[3]s WHERE key_id = $1 AND %[1]s > $2 ORDER BY k LIMIT $3`,
			t.keyExpr, t.valueCol, t.table), keyID, afterKey, limit-len(out))
		if err != nil {
			return nil, mapErr(err)
		}
		for rows.Next() {
			var k string
			var ct []byte
			if err := rows.Scan(&k, &ct); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, vault.SealedValue{Ref: t.prefix + "/" + k, AD: t.ad(k), Ciphertext: ct})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReplaceSealed swaps a sealed value if it is unchanged.
func (s *Store) ReplaceSealed(ctx context.Context, ref string, oldCT, newCT []byte) (bool, error) {
	p, k, _ := strings.Cut(ref, "/")
	newKey, err := vault.KeyIDOf(newCT)
	if err != nil {
		return false, err
	}
	for _, t := range sealedTables {
		if t.prefix != p {
			continue
		}
		res, err := s.db.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET %s = $1, key_id = $2 WHERE %s = $3 AND %s = $4`, t.table, t.valueCol, t.keyExpr, t.valueCol),
			newCT, newKey, k, oldCT)
		if err != nil {
			return false, mapErr(err)
		}
		n, _ := res.RowsAffected()
		return n > 0, nil
	}
	return false, fmt.Errorf("unknown sealed value reference %q", ref)
}
