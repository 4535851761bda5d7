package vault

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lorehq/lore"
)

func TestOpenEmptyInstallCreatesKeyFileAndDataKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ks := NewMemKeyStore()
	v, err := Open(t.Context(), newFileProvider(t, dir), ks, Options{})
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := ks.DataKeys(t.Context())
	if len(keys) != 1 || keys[0].State != KeyActive || keys[0].Provider != ProviderFile || len(keys[0].Canary) == 0 {
		t.Fatalf("data keys = %+v, want one active file.v1 key with a canary", keys)
	}
	ct, _ := v.Seal(t.Context(), []byte("s"), testAD)
	// A restart with the same key file and store opens the old value and creates nothing.
	before, beforeKeys := dirSum(t, dir), keysSum(t, ks)
	v2, err := Open(t.Context(), newFileProvider(t, dir), ks, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := v2.Open(t.Context(), ct, testAD); err != nil || string(pt) != "s" {
		t.Fatalf("after restart Open = %q, %v", pt, err)
	}
	if dirSum(t, dir) != before || keysSum(t, ks) != beforeKeys {
		t.Fatal("a restart wrote to the data dir or the key store")
	}
}

// Fault 3: a valid key file that is not the one the data was written with.
func TestOpenWrongKeyFileStopsAndWritesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ks := NewMemKeyStore()
	if _, err := Open(t.Context(), newFileProvider(t, dir), ks, Options{}); err != nil {
		t.Fatal(err)
	}
	other, _ := NewKeyringJSON()
	write(t, dir+"/"+KeyFileName, other, 0o600)
	keys, _ := ks.DataKeys(t.Context())
	before, beforeKeys := dirSum(t, dir), keysSum(t, ks)
	_, err := Open(t.Context(), newFileProvider(t, dir), ks, Options{})
	wantErr(t, err, ErrWrongKey, lore.EUNAVAILABLE)
	msg := err.Error()
	if !strings.Contains(msg, keys[0].ID) || !strings.Contains(msg, keys[0].KEKRef) || !strings.Contains(msg, KeyFileName) {
		t.Fatalf("message %q does not name the data key, the KEK it needs and the key file", msg)
	}
	if dirSum(t, dir) != before || keysSum(t, ks) != beforeKeys {
		t.Fatal("a refused start wrote something")
	}
}

// A data_keys row whose canary does not open under its key stops the start.
func TestOpenTamperedDataKeyFailsCanary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ks := NewMemKeyStore()
	if _, err := Open(t.Context(), newFileProvider(t, dir), ks, Options{}); err != nil {
		t.Fatal(err)
	}
	keys, _ := ks.DataKeys(t.Context())
	k := keys[0]
	// Swap in another install's canary: it does not open under this key.
	_, _, ks2 := setup(t)
	other, _ := ks2.DataKeys(t.Context())
	ks.keys[0].Canary = other[0].Canary
	_, err := Open(t.Context(), newFileProvider(t, dir), ks, Options{})
	wantErr(t, err, ErrWrongKey, lore.EUNAVAILABLE)
	if !strings.Contains(err.Error(), "canary") || !strings.Contains(err.Error(), k.ID) {
		t.Fatalf("message %q does not say which canary failed", err)
	}
}

// Fault 5: key file missing while data keys exist — refuse, never regenerate.
func TestOpenMissingKeyFileWithDataRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ks := NewMemKeyStore()
	if _, err := Open(t.Context(), newFileProvider(t, dir), ks, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(dir + "/" + KeyFileName); err != nil {
		t.Fatal(err)
	}
	beforeKeys := keysSum(t, ks)
	_, err := Open(t.Context(), newFileProvider(t, dir), ks, Options{})
	wantErr(t, err, ErrKEKNotFound, lore.EUNAVAILABLE)
	if !strings.Contains(err.Error(), "missing") || !strings.Contains(err.Error(), "backup") {
		t.Fatalf("message %q", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a key file was regenerated: %v", entries)
	}
	if keysSum(t, ks) != beforeKeys {
		t.Fatal("key store changed")
	}
}

// Fault 5: truncated, empty and world-readable key files stop Open with the data intact.
func TestOpenBadKeyFileWithDataRefuses(t *testing.T) {
	t.Parallel()
	for name, damage := range map[string]func(path string, data []byte){
		"truncated":      func(p string, d []byte) { write(t, p, d[:len(d)-10], 0o600) },
		"empty":          func(p string, d []byte) { write(t, p, nil, 0o600) },
		"world-readable": func(p string, d []byte) { write(t, p, d, 0o604) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ks := NewMemKeyStore()
			if _, err := Open(t.Context(), newFileProvider(t, dir), ks, Options{}); err != nil {
				t.Fatal(err)
			}
			path := dir + "/" + KeyFileName
			data, _ := os.ReadFile(path)
			damage(path, data)
			before, beforeKeys := dirSum(t, dir), keysSum(t, ks)
			p, err := OpenFileProvider(dir)
			if err == nil {
				_, err = Open(t.Context(), p, ks, Options{})
			}
			if err == nil || lore.ErrorCode(err) != lore.EUNAVAILABLE {
				t.Fatalf("start with %s key file: %v", name, err)
			}
			if dirSum(t, dir) != before || keysSum(t, ks) != beforeKeys {
				t.Fatal("a refused start wrote something")
			}
		})
	}
}

// Fault 5: concurrent first starts agree on one key file and one active data key.
func TestOpenConcurrentFirstStarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ks := NewMemKeyStore()
	const n = 6
	vs := make([]*Vault, n)
	var wg sync.WaitGroup
	for i := range vs {
		wg.Go(func() {
			p, err := OpenFileProvider(dir)
			if err == nil {
				vs[i], err = Open(t.Context(), p, ks, Options{})
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	keys, _ := ks.DataKeys(t.Context())
	if len(keys) != 1 {
		t.Fatalf("%d data keys, want 1", len(keys))
	}
	for i, v := range vs {
		ct, err := v.Seal(t.Context(), []byte("x"), testAD)
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := vs[(i+1)%n].Open(t.Context(), ct, testAD); err != nil || string(pt) != "x" {
			t.Fatalf("vault %d's value does not open in vault %d: %v", i, (i+1)%n, err)
		}
	}
}

func TestDataKeyCacheTTL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ks := NewMemKeyStore()
	if _, err := Open(t.Context(), newFileProvider(t, dir), ks, Options{}); err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	cp := &countingProvider{Provider: newFileProvider(t, dir)}
	v, err := Open(t.Context(), cp, ks, Options{CacheTTL: time.Minute, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	start := cp.unwraps.Load()
	ct, _ := v.Seal(t.Context(), []byte("x"), testAD)
	v.Open(t.Context(), ct, testAD)
	if got := cp.unwraps.Load(); got != start {
		t.Fatalf("cached key unwrapped again (%d calls)", got-start)
	}
	clk.advance(time.Minute)
	cp.fail.Store(true)
	_, err = v.Open(t.Context(), ct, testAD)
	wantErr(t, err, ErrProviderUnavailable, lore.EUNAVAILABLE)
	_, err = v.Open(t.Context(), ct, testAD) // failures are not cached
	wantErr(t, err, ErrProviderUnavailable, lore.EUNAVAILABLE)
	cp.fail.Store(false)
	if pt, err := v.Open(t.Context(), ct, testAD); err != nil || string(pt) != "x" {
		t.Fatalf("after recovery Open = %q, %v", pt, err)
	}
	if got := cp.unwraps.Load() - start; got != 3 {
		t.Fatalf("%d unwraps after expiry, want 3", got)
	}
}

// Fault 13: a canary secret never appears in an error, whatever fails.
func TestCanarySecretNeverInErrors(t *testing.T) {
	t.Parallel()
	const canary = "CANARY-7d1f0c2b-secret"
	v, _, ks := setup(t)
	ctx := t.Context()
	ct, _ := v.Seal(ctx, []byte(canary), testAD)
	var errs []error
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x80
		_, err := v.Open(ctx, bad, testAD)
		errs = append(errs, err)
	}
	_, err := v.Open(ctx, ct, AD{Table: "x"})
	errs = append(errs, err)
	_, err = v.Seal(ctx, []byte(strings.Repeat(canary, MaxPlaintext/len(canary)+1)), testAD)
	errs = append(errs, err)
	ks.PutSealed("r1", AD{Table: "t", RecordID: "1", Field: "f"}, ct) // wrong AD: verify/rotate fail it
	rep, err := v.Verify(ctx, ks)
	errs = append(errs, err)
	rot, err := v.RotateDEK(ctx, ks, RotateDEKOptions{})
	errs = append(errs, err)
	keys, _ := ks.DataKeys(ctx)
	errs = append(errs, v.Retire(ctx, keys[0].ID))
	for _, e := range errs {
		if e == nil {
			continue
		}
		for _, s := range []string{e.Error(), lore.ErrorMessage(e)} {
			if strings.Contains(s, canary) || strings.Contains(s, string(ct)) {
				t.Fatalf("error leaks the secret: %q", s)
			}
		}
	}
	for _, s := range append(rep.FailedRefs, rot.FailedRefs...) {
		if strings.Contains(s, canary) {
			t.Fatal("report leaks the secret")
		}
	}
	if rep.Failed != 1 || rot.Failed != 1 {
		t.Fatalf("verify failed %d, rotate failed %d; want 1 and 1", rep.Failed, rot.Failed)
	}
}
