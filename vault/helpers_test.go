package vault

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lorehq/lore"
)

// setup returns a file provider in a fresh data dir, a MemKeyStore and an opened Vault.
func setup(t *testing.T) (*Vault, *FileProvider, *MemKeyStore) {
	t.Helper()
	p := newFileProvider(t, t.TempDir())
	ks := NewMemKeyStore()
	v, err := Open(t.Context(), p, ks, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return v, p, ks
}

func newFileProvider(t *testing.T, dir string) *FileProvider {
	t.Helper()
	p, err := OpenFileProvider(dir)
	if err != nil {
		t.Fatalf("OpenFileProvider: %v", err)
	}
	return p
}

// wantErr fails t unless err matches kind and carries a user message with code.
func wantErr(t *testing.T, err error, kind error, code string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error = %v, want %v", err, kind)
	}
	if got := lore.ErrorCode(err); got != code {
		t.Fatalf("code = %q, want %q (error %v)", got, code, err)
	}
}

// dirSum hashes every file name, mode and content under dir, to prove nothing was written.
func dirSum(t *testing.T, dir string) [32]byte {
	t.Helper()
	h := sha256.New()
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		h.Write([]byte(path + fi.Mode().String()))
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var s [32]byte
	copy(s[:], h.Sum(nil))
	return s
}

// keysSum hashes a key store's data keys, to prove nothing was written.
func keysSum(t *testing.T, ks KeyStore) [32]byte {
	t.Helper()
	keys, err := ks.DataKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k.ID + string(k.State) + k.KEKRef + k.Provider))
		h.Write(k.Wrapped)
		h.Write(k.Canary)
	}
	var s [32]byte
	copy(s[:], h.Sum(nil))
	return s
}

// countingProvider counts Unwrap calls and can be told to fail them.
type countingProvider struct {
	Provider
	unwraps atomic.Int32
	fail    atomic.Bool
}

func (c *countingProvider) Unwrap(ctx context.Context, w []byte, ref, bind string) ([]byte, error) {
	c.unwraps.Add(1)
	if c.fail.Load() {
		return nil, fail(ErrProviderUnavailable, lore.EUNAVAILABLE, "provider down")
	}
	return c.Provider.Unwrap(ctx, w, ref, bind)
}

// clock is a settable time source.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }
