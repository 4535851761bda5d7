package vault

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lorehq/lore"
)

// DefaultCacheTTL is how long an unwrapped data key stays cached when Options.CacheTTL is 0.
// After it lapses the key is unwrapped again through the provider, so revoking a KEK (or KMS
// access) takes effect within it. Retire a data key only when every process has had TTL to
// notice a rotate-dek.
const DefaultCacheTTL = 15 * time.Minute

// canaryText is sealed under every data key at creation and opened at start.
const canaryText = "lore-canary-v1"

// Options configures a Vault.
type Options struct {
	// CacheTTL bounds how long unwrapped data keys are cached; 0 means DefaultCacheTTL.
	CacheTTL time.Duration
	// Now returns the time; nil means time.Now. Tests inject a clock.
	Now func() time.Time
}

// Vault seals and opens secret values with data keys kept in a KeyStore and wrapped by a
// Provider. It is safe for concurrent use and holds no package-level state.
type Vault struct {
	p   Provider
	ks  KeyStore
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	cache map[string]cachedKey
}

type cachedKey struct {
	aead    cipher.AEAD
	expires time.Time
}

// Open returns a Vault after checking, at start, that every data key that is not retired
// unwraps and opens its canary. On a truly empty install (no data keys) it creates the key
// source if the provider can (the key file) and the first data key; two processes doing so at
// once agree on one active key. On a wrong, missing or malformed key it returns one error
// naming the data key, the KEK it needs and the key source, matching ErrWrongKey,
// ErrKEKNotFound, ErrKeyMaterialCorrupt, ErrInsecureKeyFile or ErrAccessDenied (code
// unavailable), and it writes nothing.
func Open(ctx context.Context, p Provider, ks KeyStore, opts Options) (*Vault, error) {
	v := &Vault{p: p, ks: ks, ttl: opts.CacheTTL, now: opts.Now, cache: map[string]cachedKey{}}
	if v.ttl <= 0 {
		v.ttl = DefaultCacheTTL
	}
	if v.now == nil {
		v.now = time.Now
	}
	keys, err := ks.DataKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list data keys: %w", err)
	}
	if len(keys) == 0 {
		if err := v.createFirst(ctx); err != nil {
			return nil, err
		}
		if keys, err = ks.DataKeys(ctx); err != nil {
			return nil, fmt.Errorf("list data keys: %w", err)
		}
	}
	for _, k := range keys {
		if k.State == KeyRetired {
			continue
		}
		if _, err := v.unlock(ctx, k); err != nil {
			return nil, err
		}
	}
	// The configured key source must answer too, or the next data key could not be made.
	if _, err := p.ActiveKEK(ctx); err != nil {
		return nil, err
	}
	return v, nil
}

// createFirst makes the first data key of an empty install.
func (v *Vault) createFirst(ctx context.Context) error {
	if err := initProvider(ctx, v.p); err != nil {
		return err
	}
	k, aead, err := v.newDataKey(ctx)
	if err != nil {
		return err
	}
	switch err := v.ks.AddDataKey(ctx, k, ""); {
	case errors.Is(err, ErrConflict):
		return nil // another process created the first key; use it
	case err != nil:
		return fmt.Errorf("store first data key: %w", err)
	}
	v.put(k.ID, aead)
	return nil
}

// newDataKey generates a data key, wraps it and seals its canary.
func (v *Vault) newDataKey(ctx context.Context) (DataKey, cipher.AEAD, error) {
	raw := make([]byte, keyIDSize)
	rand.Read(raw)
	id := hex.EncodeToString(raw)
	plain, wrapped, ref, err := v.p.GenerateKey(ctx, dekBind(id))
	if err != nil {
		return DataKey{}, nil, err
	}
	aead, err := newGCM(plain)
	clear(plain)
	if err != nil {
		return DataKey{}, nil, fail(ErrKeyMaterialCorrupt, lore.EUNAVAILABLE, "%s returned a data key of the wrong size.", v.p)
	}
	canary, err := sealWith(aead, raw, []byte(canaryText), canaryAD(id))
	if err != nil {
		return DataKey{}, nil, err
	}
	k := DataKey{ID: id, Wrapped: wrapped, Provider: v.p.Name(), KEKRef: ref, Canary: canary,
		State: KeyActive, Created: v.now().UTC()}
	return k, aead, nil
}

// keyIDBytes decodes a data key id, which must be 16 hex characters.
func keyIDBytes(id string) ([]byte, error) {
	raw, err := hex.DecodeString(id)
	if err != nil || len(raw) != keyIDSize {
		return nil, fmt.Errorf("vault: malformed data key id %q in the key store", id)
	}
	return raw, nil
}

func dekBind(id string) string { return "dek/" + id }

func canaryAD(id string) AD { return AD{Table: "data_keys", RecordID: id, Field: "canary"} }

// unlock unwraps k, checks its canary and caches it.
func (v *Vault) unlock(ctx context.Context, k DataKey) (cipher.AEAD, error) {
	aead, err := v.unwrapChecked(ctx, k)
	if err != nil {
		return nil, err
	}
	v.put(k.ID, aead)
	return aead, nil
}

// unwrapChecked unwraps k and opens its canary, without touching the cache.
func (v *Vault) unwrapChecked(ctx context.Context, k DataKey) (cipher.AEAD, error) {
	if k.Provider != v.p.Name() {
		return nil, fail(ErrWrongKey, lore.EUNAVAILABLE,
			"Data key %s is wrapped by a %s provider but Lore was started with %s. Start Lore with the --key-provider the data was written with.",
			k.ID, k.Provider, v.p)
	}
	plain, err := v.p.Unwrap(ctx, k.Wrapped, k.KEKRef, dekBind(k.ID))
	if err != nil {
		return nil, prefixed(err, "Data key "+k.ID+": ")
	}
	aead, err := newGCM(plain)
	clear(plain)
	if err == nil {
		var id []byte
		if id, err = parseHeader(k.Canary); err == nil && hex.EncodeToString(id) == k.ID {
			var pt []byte
			pt, err = openWith(aead, k.Canary, canaryAD(k.ID))
			if err == nil && string(pt) != canaryText {
				err = ErrDecrypt
			}
		} else if err == nil {
			err = ErrDecrypt
		}
	}
	if err != nil {
		return nil, fail(ErrWrongKey, lore.EUNAVAILABLE,
			"Data key %s failed its canary check under key-encryption key %s from %s: the key source or the data_keys row is not the one this data was written with. Start Lore with the original key source; nothing was changed.",
			k.ID, k.KEKRef, v.p)
	}
	return aead, nil
}

// prefixed returns err with prefix added to its user message, keeping its sentinel.
func prefixed(err error, prefix string) error {
	var ke *keyError
	if errors.As(err, &ke) {
		return &keyError{kind: ke.kind, user: lore.Errorf(ke.user.Code, "%s%s", prefix, ke.user.Message)}
	}
	return fmt.Errorf("%s%w", prefix, err)
}

func (v *Vault) put(id string, aead cipher.AEAD) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.cache[id] = cachedKey{aead: aead, expires: v.now().Add(v.ttl)}
}

func (v *Vault) forget(id string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.cache, id)
}

func (v *Vault) cached(id string) cipher.AEAD {
	v.mu.Lock()
	defer v.mu.Unlock()
	c, ok := v.cache[id]
	if !ok || !v.now().Before(c.expires) {
		delete(v.cache, id)
		return nil
	}
	return c.aead
}

// key returns the AEAD of data key id, unwrapping it if it is not cached. Retired and unknown
// keys are refused.
func (v *Vault) key(ctx context.Context, id string) (cipher.AEAD, error) {
	if aead := v.cached(id); aead != nil {
		return aead, nil
	}
	keys, err := v.ks.DataKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list data keys: %w", err)
	}
	for _, k := range keys {
		if k.ID != id {
			continue
		}
		if k.State == KeyRetired {
			return nil, fail(ErrKeyRetired, lore.EINTERNAL,
				"Stored secret is sealed under retired data key %s; re-enter it.", id)
		}
		return v.unlock(ctx, k)
	}
	return nil, fail(ErrKeyNotFound, lore.EINTERNAL,
		"Stored secret is sealed under data key %s, which this database does not have; re-enter it.", id)
}

// activeKey returns the active data key from the key store (read on every call so a rotation
// by another process is seen at once).
func (v *Vault) activeKey(ctx context.Context) (DataKey, error) {
	keys, err := v.ks.DataKeys(ctx)
	if err != nil {
		return DataKey{}, fmt.Errorf("list data keys: %w", err)
	}
	for _, k := range keys {
		if k.State == KeyActive {
			return k, nil
		}
	}
	return DataKey{}, fail(ErrKeyNotFound, lore.EUNAVAILABLE, "No active data key; restart Lore to create one or run `lore keys rotate-dek`.")
}

// Seal encrypts plaintext under the active data key, bound to ad. The result is
// Overhead bytes longer than plaintext; KeyIDOf gives its key id for the store's key_id
// column. Errors: ErrTooLarge (code invalid) above MaxPlaintext; provider errors.
func (v *Vault) Seal(ctx context.Context, plaintext []byte, ad AD) ([]byte, error) {
	k, err := v.activeKey(ctx)
	if err != nil {
		return nil, err
	}
	aead, err := v.key(ctx, k.ID)
	if err != nil {
		return nil, err
	}
	raw, err := keyIDBytes(k.ID)
	if err != nil {
		return nil, err
	}
	return sealWith(aead, raw, plaintext, ad)
}

// Open decrypts a ciphertext made by Seal with the same ad. It fails with ErrUnsupportedFormat
// (code invalid) for a short or unknown-version input, ErrKeyNotFound or ErrKeyRetired for an
// unusable key id, and ErrDecrypt (code internal) when the bytes were altered, truncated or
// sealed for another record or field. It never returns partial plaintext.
func (v *Vault) Open(ctx context.Context, ciphertext []byte, ad AD) ([]byte, error) {
	id, err := parseHeader(ciphertext)
	if err != nil {
		return nil, err
	}
	aead, err := v.key(ctx, hex.EncodeToString(id))
	if err != nil {
		return nil, err
	}
	return openWith(aead, ciphertext, ad)
}
