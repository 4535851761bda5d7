package store

import (
	"context"
	"database/sql"
)

// Setting returns a stored setting's value, or "" and false.
func (s *Store) Setting(ctx context.Context, name string) (string, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	if err == sql.ErrNoRows {
		return "", false, nil
	}
	return v, err == nil, mapErr(err)
}

// PutSetting stores a setting and, in the same transaction, the given sealed secrets (nil
// ciphertext deletes one).
func (s *Store) PutSetting(ctx context.Context, name, value string, secrets map[string]*SealedSecret) error {
	now := s.now().UTC()
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, name, value, now); err != nil {
			return mapErr(err)
		}
		for n, sec := range secrets {
			var err error
			if sec == nil {
				_, err = tx.ExecContext(ctx, `DELETE FROM setting_secrets WHERE name = $1`, n)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO setting_secrets (name, ciphertext, key_id, updated_at) VALUES ($1, $2, $3, $4)
					ON CONFLICT (name) DO UPDATE SET ciphertext = excluded.ciphertext, key_id = excluded.key_id, updated_at = excluded.updated_at`,
					n, sec.Ciphertext, sec.KeyID, now)
			}
			if err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}

// SettingSecret returns a sealed setting secret, or nil when it is not set.
func (s *Store) SettingSecret(ctx context.Context, name string) (*SealedSecret, error) {
	var sec SealedSecret
	err := s.db.QueryRowContext(ctx, `SELECT ciphertext, key_id FROM setting_secrets WHERE name = $1`, name).Scan(&sec.Ciphertext, &sec.KeyID)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, mapErr(err)
	}
	return &sec, nil
}

// PutDBT stores a connection's dbt artifacts and the import report.
func (s *Store) PutDBT(ctx context.Context, connID int64, manifest, catalog []byte, path, report string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO dbt_artifacts (connection_id, manifest, catalog, path, report, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (connection_id) DO UPDATE SET manifest = excluded.manifest, catalog = excluded.catalog, path = excluded.path,
		report = excluded.report, uploaded_at = excluded.uploaded_at`, connID, manifest, catalog, path, report, s.now().UTC())
	return mapErr(err)
}

// FindDBT returns a connection's dbt artifacts; ok is false when none were uploaded.
func (s *Store) FindDBT(ctx context.Context, connID int64) (manifest, catalog []byte, path, report string, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT manifest, catalog, path, report FROM dbt_artifacts WHERE connection_id = $1`, connID).
		Scan(&manifest, &catalog, &path, &report)
	if err == sql.ErrNoRows {
		return nil, nil, "", "", false, nil
	}
	return manifest, catalog, path, report, err == nil, mapErr(err)
}
