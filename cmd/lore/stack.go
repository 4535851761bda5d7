package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/jobs"
	"github.com/lorehq/lore/store"
)

// stack is what every command that touches state opens: the store (and the job queue's tables in
// it). Opening happens in a fixed order: key provider, store key, store, migrations, vault.
type stack struct {
	store *store.Store
}

// openStack opens the store named by f. With migrate it applies Lore's and River's migrations.
func openStack(ctx context.Context, f storeFlags, logger *slog.Logger, migrate bool) (*stack, error) {
	var unlock func()
	if f.databaseURL == "" {
		if err := prepareDataDir(f.dataDir); err != nil {
			return nil, err
		}
		// Start-up (key creation, migrations) runs under an exclusive lock so that two first
		// starts at once cannot both create keys.
		var err error
		if unlock, err = lockDir(f.dataDir); err != nil {
			return nil, err
		}
		defer unlock()
	}
	s, err := store.Open(ctx, store.Config{DataDir: f.dataDir, DatabaseURL: f.databaseURL, Logger: logger, NoMigrate: !migrate})
	if err != nil {
		return nil, err
	}
	if migrate {
		if err := jobs.Migrate(ctx, s.DB(), s.Dialect()); err != nil {
			s.Close()
			return nil, err
		}
	}
	return &stack{store: s}, nil
}

// Close closes what openStack opened.
func (st *stack) Close() error { return st.store.Close() }

// prepareDataDir creates the data dir 0700 and checks that it is a writable directory.
func prepareDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return lore.Errorf(lore.EUNAVAILABLE, "cannot create the data dir %s: %v; choose a writable --data-dir", dir, pathErr(err))
	}
	probe := filepath.Join(dir, ".write-test")
	fh, err := os.OpenFile(probe, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return lore.Errorf(lore.EUNAVAILABLE, "the data dir %s is not writable: %v; fix its permissions or choose another --data-dir", dir, pathErr(err))
	}
	fh.Close()
	os.Remove(probe)
	return nil
}

func pathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// lockDir takes an exclusive advisory lock on DIR/lore.lock, waiting for another starting Lore.
func lockDir(dir string) (func(), error) {
	fh, err := os.OpenFile(filepath.Join(dir, "lore.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, lore.Errorf(lore.EUNAVAILABLE, "cannot lock the data dir %s: %v", dir, pathErr(err))
	}
	if err := syscall.Flock(int(fh.Fd()), syscall.LOCK_EX); err != nil {
		fh.Close()
		return nil, fmt.Errorf("lock data dir: %w", err)
	}
	return func() {
		syscall.Flock(int(fh.Fd()), syscall.LOCK_UN)
		fh.Close()
	}, nil
}
