package vault

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lorehq/lore"
)

func TestStoreKeyCreateAndLoad(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	p := newFileProvider(t, dir)
	_, err := OpenStoreKey(ctx, p, dir, false)
	wantErr(t, err, ErrKEKNotFound, lore.EUNAVAILABLE)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatal("OpenStoreKey without create wrote files")
	}
	k, err := OpenStoreKey(ctx, p, dir, true)
	if err != nil || len(k.Current) != 32 || k.Next != nil {
		t.Fatalf("create = %d bytes, next %v, %v", len(k.Current), k.Next != nil, err)
	}
	fi, _ := os.Stat(filepath.Join(dir, StoreKeyFileName))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("store key mode %v", fi.Mode())
	}
	data, _ := os.ReadFile(filepath.Join(dir, StoreKeyFileName))
	if bytes.Contains(data, k.Current) {
		t.Fatal("store key file holds the key in clear")
	}
	before := dirSum(t, dir)
	k2, err := OpenStoreKey(ctx, newFileProvider(t, dir), dir, true)
	if err != nil || !bytes.Equal(k2.Current, k.Current) || dirSum(t, dir) != before {
		t.Fatalf("reload = %v, same %v, unchanged %v", err, bytes.Equal(k2.Current, k.Current), dirSum(t, dir) == before)
	}
}

func TestStoreKeyConcurrentCreate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keys := make([][]byte, 6)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			p, err := OpenFileProvider(dir)
			if err == nil {
				var k StoreKeys
				k, err = OpenStoreKey(t.Context(), p, dir, true)
				keys[i] = k.Current
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatal("concurrent first starts got different store keys")
		}
	}
}

func TestStoreKeyWrongProviderKeyChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	if _, err := OpenStoreKey(ctx, newFileProvider(t, dir), dir, true); err != nil {
		t.Fatal(err)
	}
	other, _ := NewKeyringJSON()
	write(t, filepath.Join(dir, KeyFileName), other, 0o600)
	before := dirSum(t, dir)
	_, err := OpenStoreKey(ctx, newFileProvider(t, dir), dir, true)
	wantErr(t, err, ErrWrongKey, lore.EUNAVAILABLE)
	if !strings.Contains(err.Error(), StoreKeyFileName) {
		t.Fatalf("message %q does not name the store key file", err)
	}
	if dirSum(t, dir) != before {
		t.Fatal("files changed")
	}
	for name, data := range map[string]string{"empty": "", "truncated": `{"format":"lore-store-key.v1","pro`} {
		write(t, filepath.Join(dir, StoreKeyFileName), []byte(data), 0o600)
		_, err := OpenStoreKey(ctx, newFileProvider(t, dir), dir, true)
		if !strings.Contains(err.Error(), "unusable") {
			t.Fatalf("%s store key file: %v", name, err)
		}
	}
}

// A store key rotation: both keys usable at every step; a crash before commit keeps both.
func TestStoreKeyRotation(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	p := newFileProvider(t, dir)
	k0, _ := OpenStoreKey(ctx, p, dir, true)
	k1, err := BeginStoreKeyRotation(ctx, p, dir)
	if err != nil || !bytes.Equal(k1.Current, k0.Current) || len(k1.Next) != 32 || bytes.Equal(k1.Next, k1.Current) {
		t.Fatalf("begin = %v", err)
	}
	// "Crash": a new process sees both and a second Begin reuses the pending key.
	k2, err := OpenStoreKey(ctx, newFileProvider(t, dir), dir, false)
	if err != nil || !bytes.Equal(k2.Current, k0.Current) || !bytes.Equal(k2.Next, k1.Next) {
		t.Fatalf("after crash = %v", err)
	}
	if k3, _ := BeginStoreKeyRotation(ctx, p, dir); !bytes.Equal(k3.Next, k1.Next) {
		t.Fatal("resumed rotation made another key")
	}
	if err := RewrapStoreKey(ctx, p, dir); lore.ErrorCode(err) != lore.ECONFLICT {
		t.Fatalf("rewrap during rotation: %v", err)
	}
	if err := CommitStoreKeyRotation(dir); err != nil {
		t.Fatal(err)
	}
	k4, _ := OpenStoreKey(ctx, p, dir, false)
	if !bytes.Equal(k4.Current, k1.Next) || k4.Next != nil {
		t.Fatal("commit did not make the next key current")
	}
	if err := CommitStoreKeyRotation(dir); lore.ErrorCode(err) != lore.ENOTFOUND {
		t.Fatalf("second commit: %v", err)
	}
	// rotate-kek, then rewrap the store key: same key, new KEK, old KEK kept.
	newKEK, _ := p.RotateKEK(ctx, "")
	if err := RewrapStoreKey(ctx, p, dir); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, StoreKeyFileName))
	k5, err := OpenStoreKey(ctx, newFileProvider(t, dir), dir, false)
	if err != nil || !bytes.Equal(k5.Current, k4.Current) || !strings.Contains(string(data), newKEK) {
		t.Fatalf("rewrap: %v", err)
	}
}
