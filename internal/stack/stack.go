// Package stack opens Lore's parts in their fixed order — key provider, store key, store (and
// its migrations), vault, queue, catalog service — for `lore serve`, the other commands and
// end-to-end tests, so that all of them run the same wiring.
package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/riverqueue/river"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/catalog"
	"github.com/lorehq/lore/jobs"
	"github.com/lorehq/lore/store"
	"github.com/lorehq/lore/vault"
)

// Options says what to open.
type Options struct {
	DataDir     string
	DatabaseURL string
	KeyProvider string
	Logger      *slog.Logger
	// Migrate applies Lore's and River's migrations (serve, migrate); otherwise a database that
	// needs them is refused.
	Migrate bool
	// Queue opens the job queue; Work also works jobs in this process.
	Queue      bool
	Work       bool
	MaxWorkers int
	JobTimeout time.Duration
	// RescueAfter is how long a job of a process that died stays running before another
	// worker takes it again (jobs.Config.RescueAfter; zero is its default).
	RescueAfter  time.Duration
	PollInterval time.Duration
}

// Stack is an opened Lore.
type Stack struct {
	Options  Options
	Provider vault.Provider
	Store    *store.Store
	Vault    *vault.Vault
	Queue    *jobs.Queue
	Catalog  *catalog.Service
	// StoreKeys are the SQLite file keys (empty on PostgreSQL).
	StoreKeys vault.StoreKeys
}

// Open opens everything in order. On error, what was opened is closed again and nothing in the
// data dir has been changed unless it was a truly empty install.
func Open(ctx context.Context, o Options) (st *Stack, err error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.KeyProvider == "" {
		o.KeyProvider = "file"
	}
	st = &Stack{Options: o}
	// The error returns below set st to nil before this runs: close what was opened through
	// its own reference.
	opened := st
	defer func() {
		if err != nil {
			opened.Close()
		}
	}()
	keyDir := o.DataDir
	if o.DatabaseURL == "" {
		if err := PrepareDataDir(o.DataDir); err != nil {
			return nil, err
		}
		// Key creation and migrations run under an exclusive lock so that two first starts at
		// once cannot both create keys.
		unlock, err := LockDir(o.DataDir, "lore.lock")
		if err != nil {
			return nil, err
		}
		defer unlock()
	} else if keyDir != "" {
		if err := os.MkdirAll(keyDir, 0o700); err != nil {
			return nil, lore.Errorf(lore.EUNAVAILABLE, "cannot create the data dir %s for the key file: %v", keyDir, err)
		}
	}
	if st.Provider, err = vault.OpenProvider(ctx, o.KeyProvider, keyDir); err != nil {
		return nil, err
	}
	if o.DatabaseURL == "" {
		if st.Store, err = openSQLite(ctx, st, o); err != nil {
			return nil, err
		}
	} else {
		if st.Store, err = store.Open(ctx, store.Config{DatabaseURL: o.DatabaseURL, Logger: o.Logger, NoMigrate: !o.Migrate}); err != nil {
			return nil, err
		}
	}
	if o.Migrate {
		if err := jobs.Migrate(ctx, st.Store.DB(), st.Store.Dialect()); err != nil {
			return nil, err
		}
	}
	if st.Vault, err = vault.Open(ctx, st.Provider, st.Store, vault.Options{}); err != nil {
		return nil, err
	}
	if o.Queue {
		if err := openQueue(st, o); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func openQueue(st *Stack, o Options) error {
	var q *jobs.Queue
	svc := catalog.New(st.Store, st.Vault, nil, o.Logger)
	workers := river.NewWorkers()
	river.AddWorker(workers, &jobs.PingWorker{})
	river.AddWorker(workers, &catalog.CatalogWorker{Service: svc})
	river.AddWorker(workers, &catalog.ProfileWorker{Service: svc})
	river.AddWorker(workers, &catalog.DescribeWorker{Service: svc})
	q, err := jobs.New(jobs.Config{DB: st.Store.DB(), Dialect: st.Store.Dialect(), Logger: o.Logger, Work: o.Work,
		MaxWorkers: o.MaxWorkers, JobTimeout: o.JobTimeout, RescueAfter: o.RescueAfter, PollInterval: o.PollInterval}, workers)
	if err != nil {
		return err
	}
	svc.Queue = q
	st.Queue, st.Catalog = q, svc
	return nil
}

// openSQLite opens the encrypted embedded store: it loads (or, on a truly empty install,
// creates) the store key, encrypts a plain store left by an older Lore after backing it up, and
// opens the file with the current key, or with the next one after an interrupted rotation.
func openSQLite(ctx context.Context, st *Stack, o Options) (*store.Store, error) {
	dbPath := filepath.Join(o.DataDir, store.DBFileName)
	_, statErr := os.Stat(dbPath)
	exists := statErr == nil
	keyExists := fileExists(filepath.Join(o.DataDir, vault.StoreKeyFileName))
	if exists && !keyExists && isPlainSQLite(dbPath) {
		if err := EncryptPlainStore(ctx, st.Provider, o.DataDir, o.Logger); err != nil {
			return nil, err
		}
	}
	keys, err := vault.OpenStoreKey(ctx, st.Provider, o.DataDir, !exists)
	if err != nil {
		return nil, err
	}
	st.StoreKeys = keys
	cfg := store.Config{DataDir: o.DataDir, StoreKey: keys.Current, Logger: o.Logger, NoMigrate: !o.Migrate}
	s, err := store.Open(ctx, cfg)
	if err != nil && keys.Next != nil {
		// A rotation was interrupted after the file was re-encrypted: the next key opens it.
		cfg.StoreKey = keys.Next
		if s2, err2 := store.Open(ctx, cfg); err2 == nil {
			if cerr := vault.CommitStoreKeyRotation(o.DataDir); cerr != nil {
				s2.Close()
				return nil, cerr
			}
			st.StoreKeys = vault.StoreKeys{Current: keys.Next}
			return s2, nil
		}
	}
	if err != nil && lore.ErrorCode(err) == lore.EUNAVAILABLE {
		err = unreadableStore(ctx, dbPath, keys.Current, err)
	}
	return s, err
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// isPlainSQLite reports whether the file starts with SQLite's plain-text header.
func isPlainSQLite(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, 16)
	n, _ := f.Read(b)
	return n == 16 && string(b) == "SQLite format 3\x00"
}

// Close closes everything that was opened.
func (st *Stack) Close() error {
	if st == nil {
		return nil
	}
	var errs []error
	if st.Queue != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		errs = append(errs, st.Queue.Stop(ctx))
		cancel()
	}
	if st.Catalog != nil {
		st.Catalog.Close()
	}
	if st.Store != nil {
		errs = append(errs, st.Store.Close())
	}
	return errors.Join(errs...)
}

// PrepareDataDir creates the data dir 0700 and checks that it is a writable directory.
func PrepareDataDir(dir string) error {
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
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// LockDir takes an exclusive advisory lock on DIR/name, waiting for another holder.
func LockDir(dir, name string) (func(), error) {
	fh, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_RDWR, 0o600)
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

// TryLockDir takes an exclusive lock on DIR/name without waiting, or fails with ECONFLICT.
func TryLockDir(dir, name, what string) (func(), error) {
	fh, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, lore.Errorf(lore.EUNAVAILABLE, "cannot lock the data dir %s: %v", dir, pathErr(err))
	}
	if err := syscall.Flock(int(fh.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		fh.Close()
		return nil, lore.Errorf(lore.ECONFLICT, "%s already uses the data dir %s; stop it first or choose another --data-dir", what, dir)
	}
	return func() {
		syscall.Flock(int(fh.Fd()), syscall.LOCK_UN)
		fh.Close()
	}, nil
}
