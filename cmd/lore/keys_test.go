package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/lorehq/lore/internal/testaws"
	"github.com/lorehq/lore/internal/testpg"
	"github.com/lorehq/lore/vault"
)

// Recognisable plain text that must never reach the disk unencrypted.
const (
	connSecret = "s3cret-Plaintext-Marker-7f3a"
	connName   = "venuename-conn-marker"
	teamName   = "eventname-team-marker"
)

// createConnection saves a PostgreSQL connection whose password is secret and returns its id.
func createConnection(t *testing.T, s *server, token, name, secret string) int64 {
	t.Helper()
	body := map[string]any{"name": name, "type": "postgres",
		"config":  map[string]string{"host": "127.0.0.1", "port": "5432", "database": "postgres", "user": "postgres"},
		"secrets": map[string]string{"password": secret}}
	var c struct {
		ID      int64                     `json:"id"`
		Secrets map[string]map[string]any `json:"secrets"`
	}
	if code := s.api(t, token, "POST", "/api/v1/connections", body, &c); code != http.StatusCreated || c.ID == 0 {
		t.Fatalf("create connection: status %d, %+v", code, c)
	}
	if c.Secrets["password"]["set"] != true {
		t.Fatalf("the password is not set: %+v", c.Secrets)
	}
	return c.ID
}

// wantConnection checks that the connection exists with its password set, and that the API
// does not show the secret.
func wantConnection(t *testing.T, s *server, token string, id int64) {
	t.Helper()
	var raw json.RawMessage
	if code := s.api(t, token, "GET", fmt.Sprintf("/api/v1/connections/%d", id), nil, &raw); code != http.StatusOK {
		t.Fatalf("GET connection %d: status %d %s", id, code, raw)
	}
	if !bytes.Contains(raw, []byte(`"set":true`)) || bytes.Contains(raw, []byte(connSecret)) {
		t.Fatalf("connection %d: %s", id, raw)
	}
}

// verifyOK runs `lore keys verify` and checks that at least min sealed values opened.
func verifyOK(t *testing.T, env []string, min int, storeArgs ...string) {
	t.Helper()
	var rep vault.VerifyReport
	if err := json.Unmarshal([]byte(mustLore(t, env, "", append([]string{"keys", "verify", "--json"}, storeArgs...)...)), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Values < min {
		t.Fatalf("verify: %+v, want at least %d values", rep, min)
	}
}

// keyStatus runs `lore keys status --json`.
func keyStatus(t *testing.T, env []string, storeArgs ...string) vault.Status {
	t.Helper()
	var st vault.Status
	if err := json.Unmarshal([]byte(mustLore(t, env, "", append([]string{"keys", "status", "--json"}, storeArgs...)...)), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func activeKey(t *testing.T, st vault.Status) string {
	t.Helper()
	for _, k := range st.DataKeys {
		if k.State == vault.KeyActive {
			return k.ID
		}
	}
	t.Fatalf("no active data key in %+v", st)
	return ""
}

func TestSecretsNeverPlainOnDiskSQLite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := serve(t, nil, "--data-dir", dir)
	tok := createAdmin(t, nil, "--data-dir", dir)
	id := createConnection(t, s, tok, connName, connSecret)
	if code := s.api(t, tok, "POST", "/api/v1/teams", map[string]any{"name": teamName}, nil); code != http.StatusCreated {
		t.Fatalf("create team: status %d", code)
	}
	wantConnection(t, s, tok, id)
	// While serving (the WAL holds the latest pages) and after the stop.
	grepDir(t, dir, connSecret, connName, teamName, "a@example.com")
	if code := s.stop(t); code != 0 {
		t.Fatalf("stop: exit %d", code)
	}
	grepDir(t, dir, connSecret, connName, teamName, "a@example.com")
	if b, _ := os.ReadFile(filepath.Join(dir, "lore.db")); bytes.HasPrefix(b, []byte("SQLite format 3")) {
		t.Fatal("lore.db is a plain SQLite file")
	}
	if out := mustLore(t, nil, "", "keys", "verify", "--data-dir", dir); !strings.Contains(out, "OK: every secret is readable") {
		t.Fatalf("verify: %s", out)
	}
}

func TestSecretsNeverPlainInPostgres(t *testing.T) {
	t.Parallel()
	dbURL := testpg.NewDatabase(t)
	keys := t.TempDir()
	s := serve(t, nil, "--database-url", dbURL, "--data-dir", keys)
	tok := createAdmin(t, nil, "--database-url", dbURL, "--data-dir", keys)
	id := createConnection(t, s, tok, connName, connSecret)
	wantConnection(t, s, tok, id)

	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ct []byte
	var row string
	if err := db.QueryRow(`SELECT ciphertext, row_to_json(cs)::text FROM connection_secrets cs WHERE connection_id = $1 AND name = 'password'`, id).Scan(&ct, &row); err != nil {
		t.Fatal(err)
	}
	if len(ct) < len(connSecret) || bytes.Contains(ct, []byte(connSecret)) || strings.Contains(row, connSecret) {
		t.Fatalf("the stored password is not sealed: %d bytes", len(ct))
	}
	// A dump of the whole database holds it nowhere.
	dump, err := exec.Command("pg_dump", "--data-only", "--dbname", dbURL).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	if !bytes.Contains(dump, []byte(connName)) {
		t.Fatal("pg_dump did not dump the connection")
	}
	if bytes.Contains(dump, []byte(connSecret)) {
		t.Fatal("pg_dump shows the secret")
	}
	verifyOK(t, nil, 1, "--database-url", dbURL, "--data-dir", keys)

	// Another installation's key file is refused, and the stored secret stays as it was.
	s.stop(t)
	other := t.TempDir()
	mustLore(t, nil, "", "migrate", "--data-dir", other)
	if err := os.WriteFile(filepath.Join(keys, "lore.key"), readFile(t, filepath.Join(other, "lore.key")), 0o600); err != nil {
		t.Fatal(err)
	}
	refused, ok := startLore(t, nil, "--database-url", dbURL, "--data-dir", keys)
	if ok {
		t.Fatal("lore serve started with another installation's key file")
	}
	wantOneLineError(t, result{code: refused.exited(t), stderr: refused.log.String()}, "lore.key")
	var after []byte
	if err := db.QueryRow(`SELECT ciphertext FROM connection_secrets WHERE connection_id = $1`, id).Scan(&after); err != nil || !bytes.Equal(after, ct) {
		t.Fatalf("the sealed secret changed: %v", err)
	}
}

// copyDir copies the regular files of src into a new directory and returns it.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// wantServeRefuses starts `lore serve` on dir and checks that it exits non-zero with one line
// holding want, leaving every file of dir as it was.
func wantServeRefuses(t *testing.T, dir string, want ...string) {
	t.Helper()
	before := hashDir(t, dir)
	s, ok := startLore(t, nil, "--data-dir", dir)
	if ok {
		t.Fatal("lore serve started")
	}
	wantOneLineError(t, result{code: s.exited(t), stderr: s.log.String()}, want...)
	wantUnchanged(t, dir, before)
	wantOneLineError(t, runLore(t, nil, "", "keys", "verify", "--data-dir", dir), want...)
	wantUnchanged(t, dir, before)
}

func TestKeyFileFaults(t *testing.T) {
	t.Parallel()
	installed := t.TempDir()
	mustLore(t, nil, testPassword, "users", "create", "--email", "a@example.com", "--password-stdin", "--admin", "--data-dir", installed)
	other := t.TempDir()
	mustLore(t, nil, "", "migrate", "--data-dir", other)

	t.Run("another installation's key file", func(t *testing.T) {
		t.Parallel()
		dir := copyDir(t, installed)
		b, err := os.ReadFile(filepath.Join(other, "lore.key"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "lore.key"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		wantServeRefuses(t, dir, "lore.key", "Start Lore with the key")
	})
	t.Run("missing key file", func(t *testing.T) {
		t.Parallel()
		dir := copyDir(t, installed)
		os.Remove(filepath.Join(dir, "lore.key"))
		wantServeRefuses(t, dir, "lore.key", "is missing", "Restore it from a backup")
		if _, err := os.Stat(filepath.Join(dir, "lore.key")); err == nil {
			t.Fatal("a new key file was written over existing data")
		}
	})
	t.Run("world-readable key file", func(t *testing.T) {
		t.Parallel()
		dir := copyDir(t, installed)
		if err := os.Chmod(filepath.Join(dir, "lore.key"), 0o644); err != nil {
			t.Fatal(err)
		}
		wantServeRefuses(t, dir, "chmod 600")
	})
	t.Run("missing store key file", func(t *testing.T) {
		t.Parallel()
		dir := copyDir(t, installed)
		os.Remove(filepath.Join(dir, "store.key"))
		wantServeRefuses(t, dir, "store.key", "restore it from a backup")
	})
	// The original still works.
	mustLore(t, nil, "", "keys", "verify", "--data-dir", installed)
}

// awsEnv is the environment that points the AWS SDK of a subprocess at moto.
func awsEnv(srv *testaws.Server) []string {
	return []string{"AWS_ENDPOINT_URL=" + srv.URL, "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_REGION=" + testaws.Region, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull}
}

func TestKeyRotationFileProvider(t *testing.T) {
	t.Parallel()
	rotation(t, nil, []string{"--data-dir", t.TempDir()}, "")
}

func TestKeyRotationSecretsManager(t *testing.T) {
	t.Parallel()
	srv := testaws.Shared(t)
	ctx := testaws.Context(t)
	keyring, err := vault.NewKeyringJSON()
	if err != nil {
		t.Fatal(err)
	}
	name := "lore-cli-test-" + filepath.Base(t.TempDir())
	if _, err := secretsmanager.NewFromConfig(srv.Config).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String(string(keyring))}); err != nil {
		t.Fatal(err)
	}
	rotation(t, awsEnv(srv), []string{"--data-dir", t.TempDir(), "--key-provider", "aws-secretsmanager://" + name}, "")
}

func TestKeyRotationKMS(t *testing.T) {
	t.Parallel()
	srv := testaws.Shared(t)
	ctx := testaws.Context(t)
	client := kms.NewFromConfig(srv.Config)
	var ids []string
	for range 2 {
		out, err := client.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("lore cli test")})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, *out.KeyMetadata.KeyId)
	}
	rotation(t, awsEnv(srv), []string{"--data-dir", t.TempDir(), "--key-provider", "aws-kms://" + ids[0]}, ids[1])
}

// rotation runs rotate-kek (to kmsTo with the KMS provider), rotate-dek and retire beside a
// running server, and checks that every secret stays readable, before and after a restart.
func rotation(t *testing.T, env, storeArgs []string, kmsTo string) {
	t.Helper()
	s := serve(t, env, storeArgs...)
	tok := createAdmin(t, env, storeArgs...)
	first := createConnection(t, s, tok, connName, connSecret)
	verifyOK(t, env, 1, storeArgs...)
	before := keyStatus(t, env, storeArgs...)
	old := activeKey(t, before)

	kek := []string{"keys", "rotate-kek"}
	if kmsTo != "" {
		kek = append(kek, "--to", kmsTo)
	}
	mustLore(t, env, "", append(kek, storeArgs...)...)
	if kmsTo != "" {
		// From now on the operator names the new key.
		storeArgs = append(storeArgs[:len(storeArgs):len(storeArgs)], "--key-provider", "aws-kms://"+kmsTo)
	}
	st := keyStatus(t, env, storeArgs...)
	if st.ActiveKEK == before.ActiveKEK {
		t.Fatalf("rotate-kek left the active KEK at %s", st.ActiveKEK)
	}
	for _, k := range st.DataKeys {
		if k.NeedsRewrap {
			t.Errorf("data key %s still needs a rewrap after rotate-kek", k.ID)
		}
	}
	verifyOK(t, env, 1, storeArgs...)

	mustLore(t, env, "", append([]string{"keys", "rotate-dek"}, storeArgs...)...)
	st = keyStatus(t, env, storeArgs...)
	if activeKey(t, st) == old {
		t.Fatal("rotate-dek kept the active data key")
	}
	// The running server seals new secrets under the new data key, so the old one can retire.
	second := createConnection(t, s, tok, "second-conn", connSecret+"-second")
	mustLore(t, env, "", append([]string{"keys", "retire", "--key", old}, storeArgs...)...)
	for _, k := range keyStatus(t, env, storeArgs...).DataKeys {
		if k.ID == old && k.State != vault.KeyRetired {
			t.Errorf("data key %s is %s after retire", old, k.State)
		}
	}
	verifyOK(t, env, 2, storeArgs...)
	wantConnection(t, s, tok, first)

	if code := s.stop(t); code != 0 {
		t.Fatalf("stop: exit %d", code)
	}
	s = serve(t, env, storeArgs...)
	tokenWorks(t, s, tok)
	wantConnection(t, s, tok, first)
	wantConnection(t, s, tok, second)
	verifyOK(t, env, 2, storeArgs...)
	grepDir(t, storeArgs[1], connSecret)
}
