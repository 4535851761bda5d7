package stack

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // the sqlite3 driver

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/store"
	"github.com/lorehq/lore/vault"
)

// unreadableStore explains why the store file at path did not open with key when the reason is
// that its bytes do not decrypt to a database (damaged, truncated, or another installation's);
// otherwise it returns err. It opens the file again, read-only in effect: the open fails before
// anything is written.
func unreadableStore(ctx context.Context, path string, key []byte, err error) error {
	db, oerr := sql.Open("sqlite3", store.SQLiteDSN(path, key))
	if oerr != nil {
		return err
	}
	defer db.Close()
	perr := db.PingContext(ctx)
	if perr == nil {
		perr = db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(new(int))
	}
	var code sqlite3.ErrorCode
	if !errors.As(perr, &code) || (code != sqlite3.NOTADB && code != sqlite3.CORRUPT) {
		return err
	}
	return lore.Errorf(lore.EUNAVAILABLE, "%s does not open with the store key in %s: the file is damaged or truncated, or belongs to another installation; restore it together with %s and %s from the same backup",
		path, filepath.Dir(path), vault.KeyFileName, vault.StoreKeyFileName)
}

// reencrypt copies the SQLite database at src (opened with key, nil for a plain file) into a new
// file dst encrypted with newKey, using VACUUM INTO so the copy is consistent.
func reencrypt(ctx context.Context, src string, key []byte, dst string, newKey []byte) error {
	os.Remove(dst)
	db, err := sql.Open("sqlite3", store.SQLiteDSN(src, key))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	target := store.SQLiteDSN(dst, newKey)
	if _, err := db.ExecContext(ctx, `VACUUM INTO `+quote(target)); err != nil {
		return fmt.Errorf("re-encrypt store: %w", err)
	}
	return nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// EncryptPlainStore encrypts an unencrypted store left by an older Lore: it writes a backup copy
// (lore.db.unencrypted-backup), creates the store key, writes the encrypted copy beside the
// file and renames it into place. The backup stays until the operator deletes it.
func EncryptPlainStore(ctx context.Context, p vault.Provider, dataDir string, logger *slog.Logger) error {
	dbPath := filepath.Join(dataDir, store.DBFileName)
	backup := dbPath + ".unencrypted-backup"
	if _, err := os.Stat(backup); err != nil {
		// Fold the WAL into the main file first so the backup is complete.
		if db, err := sql.Open("sqlite3", store.SQLiteDSN(dbPath, nil)); err == nil {
			db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
			db.Close()
		}
		if err := copyFile(dbPath, backup); err != nil {
			return fmt.Errorf("back up the unencrypted store before encrypting it: %w", err)
		}
	}
	keys, err := vault.OpenStoreKey(ctx, p, dataDir, true)
	if err != nil {
		return err
	}
	tmp := dbPath + ".encrypting"
	if err := reencrypt(ctx, dbPath, nil, tmp, keys.Current); err != nil {
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(dbPath + suffix)
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return err
	}
	logger.Warn("encrypted the embedded store left unencrypted by an older Lore; a plain backup was kept", "backup", backup)
	return nil
}

// RotateStoreKey re-encrypts the embedded store with a new store key. Lore must not be serving
// (the data dir lock is held). The steps are resumable: the new wrapped key is written to
// store.key.next first, the file is re-encrypted into a copy and renamed into place, then the
// key files are swapped. After a crash the store opens with the old or the new key.
func RotateStoreKey(ctx context.Context, p vault.Provider, dataDir string) error {
	keys, err := vault.BeginStoreKeyRotation(ctx, p, dataDir)
	if err != nil {
		return err
	}
	dbPath := filepath.Join(dataDir, store.DBFileName)
	// If a crash happened after the rename, the file already opens with Next.
	if db, err := store.Open(ctx, store.Config{DataDir: dataDir, StoreKey: keys.Next, NoMigrate: true}); err == nil {
		db.Close()
		return vault.CommitStoreKeyRotation(dataDir)
	}
	if db, err := sql.Open("sqlite3", store.SQLiteDSN(dbPath, keys.Current)); err == nil {
		db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
		db.Close()
	}
	tmp := dbPath + ".rekeying"
	if err := reencrypt(ctx, dbPath, keys.Current, tmp, keys.Next); err != nil {
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(dbPath + suffix)
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return err
	}
	return vault.CommitStoreKeyRotation(dataDir)
}
