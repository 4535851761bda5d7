package vault

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/testaws"
)

func TestMain(m *testing.M) { os.Exit(testaws.Main(m)) }

// newSecret creates a secret named after t holding value (or binary when value is nil).
func newSecret(t *testing.T, sm *secretsmanager.Client, value []byte, binary bool) string {
	t.Helper()
	name := "lore/" + strings.ReplaceAll(t.Name(), "/", "-") + "-" + kekID(randomKey())[:8]
	in := &secretsmanager.CreateSecretInput{Name: aws.String(name)}
	if binary {
		in.SecretBinary = value
	} else {
		in.SecretString = aws.String(string(value))
	}
	if _, err := sm.CreateSecret(t.Context(), in); err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	return name
}

func TestSecretsManagerProvider(t *testing.T) {
	t.Parallel()
	srv := testaws.Shared(t)
	ctx := t.Context()
	sm := secretsmanager.NewFromConfig(srv.Config)
	doc, _ := NewKeyringJSON()
	id := newSecret(t, sm, doc, false)
	p, err := NewSecretsManagerProvider(ctx, sm, id)
	if err != nil {
		t.Fatal(err)
	}
	ks := NewMemKeyStore()
	v, err := Open(ctx, p, ks, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := seed(t, v, ks, 3)
	first, _ := p.ActiveKEK(ctx)
	res, err := v.RotateKEK(ctx, "")
	if err != nil || res.Rewrapped != 1 || res.ActiveKEK == first {
		t.Fatalf("RotateKEK = %+v, %v", res, err)
	}
	// Another process reads the new secret version: both keys, the new one active.
	p2, err := NewSecretsManagerProvider(ctx, sm, id)
	if err != nil {
		t.Fatal(err)
	}
	keks, _ := p2.KEKs(ctx)
	if len(keks) != 2 || keks[0] != first || keks[1] != res.ActiveKEK {
		t.Fatalf("keyring after rotation = %v", keks)
	}
	v2, err := Open(ctx, p2, ks, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkAll(t, v2, ks, want)
	// A process still holding the old keyring sees a key it does not know and re-reads.
	old, _ := parseKeyring(doc, "old")
	stale := &SecretsManagerProvider{client: sm, secretID: id, kr: old}
	if _, err := Open(ctx, stale, ks, Options{}); err != nil {
		t.Fatalf("stale provider: %v", err)
	}
	// A different keyring in the same place: wrong key, precise message.
	other, _ := NewKeyringJSON()
	otherID := newSecret(t, sm, other, false)
	p3, _ := NewSecretsManagerProvider(ctx, sm, otherID)
	before := keysSum(t, ks)
	_, err = Open(ctx, p3, ks, Options{})
	wantErr(t, err, ErrWrongKey, lore.EUNAVAILABLE)
	if !strings.Contains(err.Error(), otherID) || !strings.Contains(err.Error(), res.ActiveKEK) || keysSum(t, ks) != before {
		t.Fatalf("wrong keyring: %v", err)
	}
}

// Fault 6: a secret that is missing, binary or malformed stops the start.
func TestSecretsManagerProviderFaults(t *testing.T) {
	t.Parallel()
	srv := testaws.Shared(t)
	ctx := t.Context()
	sm := secretsmanager.NewFromConfig(srv.Config)
	_, err := NewSecretsManagerProvider(ctx, sm, "lore/does-not-exist")
	wantErr(t, err, ErrKEKNotFound, lore.EUNAVAILABLE)
	if !strings.Contains(err.Error(), "lore/does-not-exist") {
		t.Fatalf("message %q does not name the secret", err)
	}
	doc, _ := NewKeyringJSON()
	for name, tc := range map[string]struct {
		value  []byte
		binary bool
		words  string
	}{
		"binary":     {doc, true, "binary"},
		"malformed":  {doc[:len(doc)-5], false, "not a valid keyring"},
		"no active":  {[]byte(strings.Replace(string(doc), `"active": "`, `"active": "z`, 1)), false, "not in the keyring"},
		"not a ring": {[]byte(`{"password":"hunter2"}`), false, "not a valid keyring"},
	} {
		t.Run(name, func(t *testing.T) {
			id := newSecret(t, sm, tc.value, tc.binary)
			_, err := NewSecretsManagerProvider(ctx, sm, id)
			wantErr(t, err, ErrKeyMaterialCorrupt, lore.EUNAVAILABLE)
			if !strings.Contains(err.Error(), tc.words) || strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("message %q", err)
			}
		})
	}
}

func newKMSKey(t *testing.T, c *kms.Client) string {
	t.Helper()
	out, err := c.CreateKey(t.Context(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return aws.ToString(out.KeyMetadata.KeyId)
}

func TestKMSProvider(t *testing.T) {
	t.Parallel()
	srv := testaws.Shared(t)
	ctx := t.Context()
	c := kms.NewFromConfig(srv.Config)
	key1, key2 := newKMSKey(t, c), newKMSKey(t, c)
	p := NewKMSProvider(c, key1)
	ks := NewMemKeyStore()
	v, err := Open(ctx, p, ks, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := seed(t, v, ks, 3)
	keys, _ := ks.DataKeys(ctx)
	if !strings.HasPrefix(keys[0].KEKRef, "arn:aws:kms:") || !strings.HasSuffix(keys[0].KEKRef, key1) {
		t.Fatalf("kekRef = %q, want key1's ARN", keys[0].KEKRef)
	}
	// Fault 7: the wrapped key does not open under another encryption context.
	_, err = p.Unwrap(ctx, keys[0].Wrapped, keys[0].KEKRef, "dek/0000000000000000")
	wantErr(t, err, ErrWrongKey, lore.EUNAVAILABLE)
	// Nor under another KMS key.
	_, err = p.Unwrap(ctx, keys[0].Wrapped, key2, dekBind(keys[0].ID))
	if err == nil {
		t.Fatal("wrapped key opened under another KMS key")
	}
	// rotate-kek to key2; a process configured with key2 opens everything.
	res, err := v.RotateKEK(ctx, key2)
	if err != nil || res.Rewrapped != 1 || !strings.HasSuffix(res.ActiveKEK, key2) {
		t.Fatalf("RotateKEK = %+v, %v", res, err)
	}
	v2, err := Open(ctx, NewKMSProvider(c, key2), ks, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkAll(t, v2, ks, want)
	// A KMS key that does not exist stops the start with the key named.
	before := keysSum(t, ks)
	_, err = Open(ctx, NewKMSProvider(c, "11111111-2222-3333-4444-555555555555"), ks, Options{})
	if err == nil || lore.ErrorCode(err) != lore.EUNAVAILABLE || keysSum(t, ks) != before {
		t.Fatalf("missing KMS key: %v", err)
	}
	// The store key works through KMS too.
	dir := t.TempDir()
	sk, err := OpenStoreKey(ctx, NewKMSProvider(c, key2), dir, true)
	if err != nil || len(sk.Current) != 32 {
		t.Fatalf("store key via KMS: %v", err)
	}
}

// OpenProvider finds moto through AWS_ENDPOINT_URL like any AWS endpoint.
func TestOpenProviderSpecs(t *testing.T) {
	srv := testaws.Shared(t)
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_REGION", testaws.Region)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	ctx := t.Context()
	doc, _ := NewKeyringJSON()
	id := newSecret(t, secretsmanager.NewFromConfig(srv.Config), doc, false)
	p, err := OpenProvider(ctx, "aws-secretsmanager://"+id, "")
	if err != nil || p.Name() != ProviderSecretsManager {
		t.Fatalf("secrets manager spec: %v", err)
	}
	key := newKMSKey(t, kms.NewFromConfig(srv.Config))
	p, err = OpenProvider(ctx, "aws-kms://"+key, "")
	if err != nil || p.Name() != ProviderKMS {
		t.Fatalf("kms spec: %v", err)
	}
	if _, err := p.ActiveKEK(ctx); err != nil {
		t.Fatal(err)
	}
	if p, err := OpenProvider(ctx, "", t.TempDir()); err != nil || p.Name() != ProviderFile {
		t.Fatalf("default spec: %v", err)
	}
	for _, bad := range []string{"aws-kms://", "aws-secretsmanager://", "vault://x", "File"} {
		if _, err := OpenProvider(ctx, bad, t.TempDir()); lore.ErrorCode(err) != lore.EINVALID {
			t.Fatalf("spec %q: %v", bad, err)
		}
	}
}
