package vault

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lorehq/lore"
)

func TestOpenFileProviderRejectsBadKeyFiles(t *testing.T) {
	t.Parallel()
	valid, err := NewKeyringJSON()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		make  func(path string)
		kind  error
		words string
	}{
		{"empty", func(p string) { write(t, p, nil, 0o600) }, ErrKeyMaterialCorrupt, "empty"},
		{"truncated", func(p string) { write(t, p, valid[:len(valid)/2], 0o600) }, ErrKeyMaterialCorrupt, "not a valid keyring"},
		{"not json", func(p string) { write(t, p, []byte("c2VjcmV0"), 0o600) }, ErrKeyMaterialCorrupt, "not a valid keyring"},
		{"trailing garbage", func(p string) { write(t, p, append(append([]byte{}, valid...), "{}"...), 0o600) }, ErrKeyMaterialCorrupt, "after the JSON"},
		{"short key", func(p string) {
			write(t, p, []byte(`{"format":"lore-keyring.v1","active":"a","keys":[{"id":"a","key":"AAAA"}]}`), 0o600)
		}, ErrKeyMaterialCorrupt, "is 3 bytes, want 32"},
		{"unknown active", func(p string) {
			write(t, p, []byte(strings.Replace(string(valid), `"active": "`, `"active": "x`, 1)), 0o600)
		}, ErrKeyMaterialCorrupt, "not in the keyring"},
		{"edited key", func(p string) {
			i := strings.Index(string(valid), `"key": "`) + len(`"key": "`)
			edited := string(valid[:i]) + "AAAA" + string(valid[i+4:])
			write(t, p, []byte(edited), 0o600)
		}, ErrKeyMaterialCorrupt, "its bytes give"},
		{"world readable", func(p string) { write(t, p, valid, 0o644) }, ErrInsecureKeyFile, "chmod 600"},
		{"group readable", func(p string) { write(t, p, valid, 0o640) }, ErrInsecureKeyFile, "readable by others"},
		{"directory", func(p string) { os.Mkdir(p, 0o700) }, ErrInsecureKeyFile, "a directory"},
		{"symlink", func(p string) {
			target := p + ".real"
			write(t, target, valid, 0o600)
			os.Symlink(target, p)
		}, ErrInsecureKeyFile, "symbolic link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tt.make(filepath.Join(dir, KeyFileName))
			before := dirSum(t, dir)
			_, err := OpenFileProvider(dir)
			wantErr(t, err, tt.kind, lore.EUNAVAILABLE)
			if !strings.Contains(err.Error(), tt.words) || !strings.Contains(err.Error(), KeyFileName) {
				t.Fatalf("message %q lacks %q or the path", err, tt.words)
			}
			if strings.Contains(err.Error(), `"key"`) {
				t.Fatalf("message quotes the key file: %q", err)
			}
			if dirSum(t, dir) != before {
				t.Fatal("the data dir changed")
			}
		})
	}
}

func write(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is filtered by umask
		t.Fatal(err)
	}
}

func TestFileProviderInitCreatesPrivateFileOnce(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	p := newFileProvider(t, dir)
	created, err := p.Init(t.Context())
	if err != nil || !created {
		t.Fatalf("Init = %v, %v", created, err)
	}
	fi, err := os.Stat(p.Path())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v; want 0600", fi.Mode(), err)
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode = %v, want 0700", di.Mode())
	}
	before := dirSum(t, dir)
	created, err = newFileProvider(t, dir).Init(t.Context())
	if err != nil || created || dirSum(t, dir) != before {
		t.Fatalf("second Init = %v, %v or changed the file", created, err)
	}
}

// Fault 5: two first starts at once create exactly one key file and agree on it.
func TestFileProviderInitRace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const n = 8
	ps := make([]*FileProvider, n)
	for i := range ps {
		ps[i] = newFileProvider(t, dir)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	createdCount := 0
	for _, p := range ps {
		wg.Go(func() {
			created, err := p.Init(t.Context())
			if err != nil {
				t.Error(err)
			}
			if created {
				mu.Lock()
				createdCount++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if createdCount != 1 {
		t.Fatalf("%d processes created the key file, want 1", createdCount)
	}
	want, _ := ps[0].ActiveKEK(t.Context())
	for _, p := range ps {
		if got, _ := p.ActiveKEK(t.Context()); got != want {
			t.Fatalf("active KEK %q != %q", got, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("data dir holds %d entries (temporary files left?), want 1", len(entries))
	}
}

// rotate-kek interrupted after writing lore.key.next: both files work and a rerun finishes.
func TestFileProviderRotateKEKRecovers(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	p := newFileProvider(t, dir)
	p.Init(ctx)
	old, _ := p.ActiveKEK(ctx)
	w, ref, _ := p.Wrap(ctx, randomKey(), "dek/x")

	// Simulate a crash between writing .next and the rename.
	cur, _ := p.load()
	next := cur.withNewActive(cur.Keys[0].Created)
	if err := writeNewFile(p.Path()+".next", next.marshal()); err != nil {
		t.Fatal(err)
	}
	p2 := newFileProvider(t, dir)
	if a, _ := p2.ActiveKEK(ctx); a != old {
		t.Fatalf("after crash the active key is %q, want the old %q", a, old)
	}
	if _, err := p2.Unwrap(ctx, w, ref, "dek/x"); err != nil {
		t.Fatalf("unwrap after crash: %v", err)
	}
	got, err := p2.RotateKEK(ctx, "")
	if err != nil || got != next.Active {
		t.Fatalf("RotateKEK = %q, %v; want the pending %q", got, err, next.Active)
	}
	if _, err := os.Stat(p.Path() + ".next"); !os.IsNotExist(err) {
		t.Fatalf(".next still there: %v", err)
	}
	keks, _ := newFileProvider(t, dir).KEKs(ctx)
	if len(keks) != 2 || keks[0] != old {
		t.Fatalf("KEKs = %v, want the old key kept", keks)
	}
	if _, err := newFileProvider(t, dir).Unwrap(ctx, w, ref, "dek/x"); err != nil {
		t.Fatalf("unwrap under old KEK after rotation: %v", err)
	}
	// A .next that lacks the current keys is refused, not applied.
	other := (&keyring{}).withNewActive(cur.Keys[0].Created)
	writeNewFile(p.Path()+".next", other.marshal())
	before := dirSum(t, dir)
	_, err = p2.RotateKEK(ctx, "")
	wantErr(t, err, ErrKeyMaterialCorrupt, lore.EUNAVAILABLE)
	if dirSum(t, dir) != before {
		t.Fatal("refused rotation changed files")
	}
}
