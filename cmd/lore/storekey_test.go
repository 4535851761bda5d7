package main

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/store"
	"github.com/lorehq/lore/vault"
)

// wantLogin checks that the password signs the admin in on the web portal.
func wantLogin(t *testing.T, s *server) {
	t.Helper()
	resp, err := s.client.PostForm(s.URL+"/login", url.Values{"email": {"a@example.com"}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, "session") && c.Value != "" {
			return
		}
	}
	t.Fatalf("POST /login: status %d, no session cookie", resp.StatusCode)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestRotateStoreKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := serve(t, nil, "--data-dir", dir)
	tok := createAdmin(t, nil, "--data-dir", dir)
	id := createConnection(t, s, tok, connName, connSecret)
	if code := s.api(t, tok, "POST", "/api/v1/teams", map[string]any{"name": teamName}, nil); code != http.StatusCreated {
		t.Fatalf("create team: status %d", code)
	}
	// Refused while lore serve runs.
	r := runLore(t, nil, "", "keys", "rotate-store-key", "--data-dir", dir)
	wantOneLineError(t, r, "lore serve", "stop it first")
	if exists(filepath.Join(dir, vault.StoreKeyFileName+".next")) {
		t.Fatal("the refused rotation left store.key.next")
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("stop: exit %d", code)
	}

	db := readFile(t, filepath.Join(dir, store.DBFileName))
	key := readFile(t, filepath.Join(dir, vault.StoreKeyFileName))
	mustLore(t, nil, "", "keys", "rotate-store-key", "--data-dir", dir)
	if bytes.Equal(db, readFile(t, filepath.Join(dir, store.DBFileName))) {
		t.Fatal("rotate-store-key left lore.db unchanged")
	}
	if bytes.Equal(key, readFile(t, filepath.Join(dir, vault.StoreKeyFileName))) {
		t.Fatal("rotate-store-key left store.key unchanged")
	}
	for _, left := range []string{vault.StoreKeyFileName + ".next", store.DBFileName + ".rekeying"} {
		if exists(filepath.Join(dir, left)) {
			t.Errorf("%s left behind", left)
		}
	}
	grepDir(t, dir, connSecret, connName, teamName, "a@example.com")

	s = serve(t, nil, "--data-dir", dir)
	tokenWorks(t, s, tok)
	wantLogin(t, s)
	wantConnection(t, s, tok, id)
}

// installed returns a data dir holding an admin, and the admin's token.
func installed(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	return dir, createAdmin(t, nil, "--data-dir", dir)
}

func TestStoreKeyRotationInterrupted(t *testing.T) {
	t.Parallel()
	t.Run("before re-encrypting", func(t *testing.T) {
		t.Parallel()
		dir, tok := installed(t)
		p, err := vault.OpenProvider(context.Background(), "file", dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := vault.BeginStoreKeyRotation(context.Background(), p, dir); err != nil {
			t.Fatal(err)
		}
		s := serve(t, nil, "--data-dir", dir)
		tokenWorks(t, s, tok)
		s.stop(t)
		// Running the rotation again finishes it.
		mustLore(t, nil, "", "keys", "rotate-store-key", "--data-dir", dir)
		if exists(filepath.Join(dir, vault.StoreKeyFileName+".next")) {
			t.Fatal("store.key.next is still there")
		}
		s = serve(t, nil, "--data-dir", dir)
		tokenWorks(t, s, tok)
	})
	t.Run("after re-encrypting, before the commit", func(t *testing.T) {
		t.Parallel()
		dir, tok := installed(t)
		// Rotate a copy, then bring its file and its new key back as the pending state: the
		// file already uses the next key, store.key still holds the old one.
		rotated := copyDir(t, dir)
		mustLore(t, nil, "", "keys", "rotate-store-key", "--data-dir", rotated)
		newKey := readFile(t, filepath.Join(rotated, vault.StoreKeyFileName))
		for _, f := range []string{store.DBFileName + "-wal", store.DBFileName + "-shm"} {
			os.Remove(filepath.Join(dir, f))
		}
		if err := os.WriteFile(filepath.Join(dir, store.DBFileName), readFile(t, filepath.Join(rotated, store.DBFileName)), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, vault.StoreKeyFileName+".next"), newKey, 0o600); err != nil {
			t.Fatal(err)
		}
		s := serve(t, nil, "--data-dir", dir)
		tokenWorks(t, s, tok)
		wantLogin(t, s)
		if exists(filepath.Join(dir, vault.StoreKeyFileName+".next")) {
			t.Error("serve did not commit the rotation")
		}
		if !bytes.Equal(newKey, readFile(t, filepath.Join(dir, vault.StoreKeyFileName))) {
			t.Error("store.key is not the next key after the commit")
		}
	})
}

func TestStoreFileFaults(t *testing.T) {
	t.Parallel()
	dir, _ := installed(t)
	other := t.TempDir()
	mustLore(t, nil, "", "migrate", "--data-dir", other)

	t.Run("another installation's store key", func(t *testing.T) {
		t.Parallel()
		d := copyDir(t, dir)
		os.WriteFile(filepath.Join(d, vault.StoreKeyFileName), readFile(t, filepath.Join(other, vault.StoreKeyFileName)), 0o600)
		wantServeRefuses(t, d, "store.key")
	})
	t.Run("another installation's key files", func(t *testing.T) {
		t.Parallel()
		d := copyDir(t, dir)
		for _, f := range []string{vault.KeyFileName, vault.StoreKeyFileName} {
			os.WriteFile(filepath.Join(d, f), readFile(t, filepath.Join(other, f)), 0o600)
		}
		wantServeRefuses(t, d, "lore.db", "another installation", "backup")
	})
	t.Run("truncated database", func(t *testing.T) {
		t.Parallel()
		d := copyDir(t, dir)
		db := filepath.Join(d, store.DBFileName)
		b := readFile(t, db)
		os.Remove(db + "-wal")
		os.Remove(db + "-shm")
		if err := os.WriteFile(db, b[:len(b)/3], 0o600); err != nil {
			t.Fatal(err)
		}
		wantServeRefuses(t, d, "lore.db", "damaged or truncated", "backup")
	})
}

func TestPlainStoreFromOlderLoreIsEncrypted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lore.NewAccounts(st).CreateUser(ctx, "a@example.com", testPassword, lore.RoleAdmin, false); err != nil {
		t.Fatal(err)
	}
	st.Close()
	dbPath := filepath.Join(dir, store.DBFileName)
	if !bytes.HasPrefix(readFile(t, dbPath), []byte("SQLite format 3")) {
		t.Fatal("the old store is not plain")
	}

	s := serve(t, nil, "--data-dir", dir)
	backup := readFile(t, dbPath+".unencrypted-backup")
	if !bytes.HasPrefix(backup, []byte("SQLite format 3")) || !bytes.Contains(backup, []byte("a@example.com")) {
		t.Fatal("the backup is not the plain store")
	}
	if fi, err := os.Stat(dbPath + ".unencrypted-backup"); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("backup mode: %v %v", fi.Mode(), err)
	}
	if bytes.HasPrefix(readFile(t, dbPath), []byte("SQLite format 3")) {
		t.Fatal("lore.db is still plain")
	}
	wantLogin(t, s)
	tok := strings.TrimSpace(mustLore(t, nil, "", "tokens", "create", "--email", "a@example.com", "--data-dir", dir))
	tokenWorks(t, s, tok)
	s.stop(t)
	if b := readFile(t, dbPath); bytes.Contains(b, []byte("a@example.com")) {
		t.Fatal("lore.db holds the user's e-mail in plain text")
	}
}
