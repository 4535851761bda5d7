package vault

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/lorehq/lore"
)

// KeyringFormat is the value of the "format" field of a keyring document.
const KeyringFormat = "lore-keyring.v1"

// A keyring is the JSON document that holds key-encryption keys for the file provider (the key
// file) and the Secrets Manager provider (the secret's SecretString):
//
//	{
//	  "format": "lore-keyring.v1",
//	  "active": "3f9a0c1d2e4b5a69",
//	  "keys": [
//	    {"id": "3f9a0c1d2e4b5a69", "key": "<base64 of 32 random bytes>", "created": "2026-11-26T10:00:00Z"}
//	  ]
//	}
//
// "id" is the first 16 hex characters of SHA-256("lore-kek-v1" ‖ key), so a key that was
// altered or truncated is caught, and a mismatch is reported as "data needs id X, keyring has
// [Y]" without trial decryption. "active" wraps new data keys; the other keys stay so data keys
// wrapped under them still open. Unknown fields, duplicate ids, keys that are not exactly 32
// bytes and trailing data are rejected. NewKeyringJSON makes a valid first document.
type keyring struct {
	Format string       `json:"format"`
	Active string       `json:"active"`
	Keys   []keyringKey `json:"keys"`
}

type keyringKey struct {
	ID      string    `json:"id"`
	Key     []byte    `json:"key"` // base64 in JSON
	Created time.Time `json:"created"`
}

// kekID derives the id of a key-encryption key from its bytes.
func kekID(key []byte) string {
	h := sha256.New()
	h.Write([]byte("lore-kek-v1"))
	h.Write(key)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// newKeyringKey returns a fresh random 256-bit key.
func newKeyringKey(now time.Time) keyringKey {
	k := randomKey()
	return keyringKey{ID: kekID(k), Key: k, Created: now.UTC().Truncate(time.Second)}
}

// randomKey returns 32 bytes from crypto/rand (which cannot fail since Go 1.24).
func randomKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

// NewKeyringJSON returns a new keyring document with one random active key, for an operator to
// store in Secrets Manager before the first start (`aws secretsmanager create-secret
// --secret-string file://keyring.json`). The result holds key material: never log it.
func NewKeyringJSON() ([]byte, error) {
	k := newKeyringKey(time.Now())
	return json.MarshalIndent(keyring{Format: KeyringFormat, Active: k.ID, Keys: []keyringKey{k}}, "", "  ")
}

// parseKeyring strictly decodes and validates a keyring document. source names where it came
// from (a path or secret id) for the messages, which never quote the document.
func parseKeyring(data []byte, source string) (*keyring, error) {
	corrupt := func(why string, args ...any) error {
		return fail(ErrKeyMaterialCorrupt, lore.EUNAVAILABLE,
			"Keyring %s is unusable: %s. Restore it from a backup; Lore never rewrites it.", source, fmt.Sprintf(why, args...))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, corrupt("it is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var kr keyring
	if err := dec.Decode(&kr); err != nil {
		return nil, corrupt("it is not a valid keyring JSON document (truncated or edited?)")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, corrupt("it has data after the JSON document")
	}
	if kr.Format != KeyringFormat {
		return nil, corrupt("format is %q, want %q", kr.Format, KeyringFormat)
	}
	if len(kr.Keys) == 0 {
		return nil, corrupt("it holds no keys")
	}
	seen := map[string]bool{}
	for i, k := range kr.Keys {
		if len(k.Key) != 32 {
			return nil, corrupt("key %d is %d bytes, want 32", i+1, len(k.Key))
		}
		if id := kekID(k.Key); id != k.ID {
			return nil, corrupt("key %d has id %q but its bytes give %q", i+1, k.ID, id)
		}
		if seen[k.ID] {
			return nil, corrupt("key id %q appears twice", k.ID)
		}
		seen[k.ID] = true
	}
	if !seen[kr.Active] {
		return nil, corrupt("active key %q is not in the keyring", kr.Active)
	}
	return &kr, nil
}

func (kr *keyring) marshal() []byte {
	b, err := json.MarshalIndent(kr, "", "  ")
	if err != nil {
		panic(err) // only plain fields: cannot fail
	}
	return append(b, '\n')
}

func (kr *keyring) find(id string) []byte {
	for _, k := range kr.Keys {
		if k.ID == id {
			return k.Key
		}
	}
	return nil
}

func (kr *keyring) ids() []string {
	ids := make([]string, len(kr.Keys))
	for i, k := range kr.Keys {
		ids[i] = k.ID
	}
	return ids
}

// containsAll reports whether kr holds every key of old.
func (kr *keyring) containsAll(old *keyring) bool {
	for _, k := range old.Keys {
		if got := kr.find(k.ID); got == nil || !bytes.Equal(got, k.Key) {
			return false
		}
	}
	return true
}

// withNewActive returns a copy of kr with a fresh key added and made active.
func (kr *keyring) withNewActive(now time.Time) *keyring {
	k := newKeyringKey(now)
	out := &keyring{Format: KeyringFormat, Active: k.ID, Keys: slices.Clone(kr.Keys)}
	out.Keys = append(out.Keys, k)
	return out
}

// wrapKeyring seals plain under the keyring's active key; bind is authenticated with it.
func (kr *keyring) wrap(plain []byte, bind string) ([]byte, string, error) {
	aead, err := newGCM(kr.find(kr.Active))
	if err != nil {
		return nil, "", err
	}
	return aead.Seal(nil, nil, plain, wrapAD(kr.Active, bind)), kr.Active, nil
}

// unwrap opens a key wrapped by wrap. desc names the key source for messages.
func (kr *keyring) unwrap(wrapped []byte, kekRef, bind, desc string) ([]byte, error) {
	key := kr.find(kekRef)
	if key == nil {
		return nil, fail(ErrWrongKey, lore.EUNAVAILABLE,
			"The data needs key-encryption key %q but %s holds [%s]. Start Lore with the key source the data was written with (restore it from a backup).",
			kekRef, desc, strings.Join(kr.ids(), ", "))
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, nil, wrapped, wrapAD(kekRef, bind))
	if err != nil {
		return nil, fail(ErrWrongKey, lore.EUNAVAILABLE,
			"Wrapped key %q does not open with key-encryption key %q from %s: the wrapped key was altered or belongs to another install.",
			bind, kekRef, desc)
	}
	return pt, nil
}

func wrapAD(kekRef, bind string) []byte {
	return lengthPrefixed([]byte(wrapADLabel), []byte(kekRef), []byte(bind))
}
