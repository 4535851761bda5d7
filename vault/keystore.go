package vault

import (
	"context"
	"time"
)

// KeyState is the state of a data key.
type KeyState string

// Data key states. Exactly one key is active (used by Seal); decrypt-only keys still open
// values; retired keys open nothing and may be deleted by the store once nothing references
// them.
const (
	KeyActive      KeyState = "active"
	KeyDecryptOnly KeyState = "decrypt_only"
	KeyRetired     KeyState = "retired"
)

// DataKey is one row of the data_keys table. Wrapped and Canary are not secret (they are
// ciphertexts) but are never shown to users either.
type DataKey struct {
	ID       string    // 16 hex characters (8 random bytes), also in every ciphertext header
	Wrapped  []byte    // the key wrapped by the provider, bind "dek/<ID>"
	Provider string    // ProviderFile, ProviderSecretsManager or ProviderKMS
	KEKRef   string    // the KEK that wrapped it: keyring key id or KMS key ARN
	Canary   []byte    // a fixed text sealed under this key, checked at start
	State    KeyState  // active, decrypt_only or retired
	Created  time.Time // UTC
}

// KeyStore persists data keys. The store (SQLite, PostgreSQL) implements it; MemKeyStore is an
// in-memory implementation for tests. Methods return ErrConflict when a compare-and-swap loses
// and other errors for storage failures.
type KeyStore interface {
	// DataKeys returns every data key, retired ones included, oldest first.
	DataKeys(ctx context.Context) ([]DataKey, error)
	// AddDataKey inserts k (State is KeyActive) and, in the same transaction, demotes
	// prevActive to KeyDecryptOnly. It returns ErrConflict, changing nothing, unless prevActive
	// is the current active key, or prevActive is "" and no key is active (a unique index on
	// the active state does this for free). This makes two first starts, or two rotate-dek
	// runs, agree on one active key.
	AddDataKey(ctx context.Context, k DataKey, prevActive string) error
	// UpdateWrapped sets a key's Wrapped, Provider and KEKRef if its Wrapped still equals
	// oldWrapped, else returns ErrConflict (rotate-kek).
	UpdateWrapped(ctx context.Context, id string, oldWrapped, newWrapped []byte, provider, kekRef string) error
	// RetireDataKey sets a decrypt-only key's state to KeyRetired; ErrConflict if it is active.
	RetireDataKey(ctx context.Context, id string) error
	// CountSealed returns how many stored values are sealed under the key (the key_id column).
	CountSealed(ctx context.Context, keyID string) (int64, error)
}

// SealedValue is one stored ciphertext: where it is (Ref, the store's opaque row reference;
// AD, the associated data it was sealed with) and its bytes.
type SealedValue struct {
	Ref        string
	AD         AD
	Ciphertext []byte
}

// Resealer lets rotate-dek and verify walk and rewrite every sealed value. The store
// implements it over all tables holding secrets.
type Resealer interface {
	// SealedValues returns up to limit values sealed under keyID whose Ref sorts after `after`
	// ("" = from the start), in ascending Ref order.
	SealedValues(ctx context.Context, keyID, after string, limit int) ([]SealedValue, error)
	// ReplaceSealed sets the value at ref to newCT (and its key_id column to KeyIDOf(newCT))
	// only if it still equals oldCT, and reports whether it did. A false result means the value
	// changed meanwhile (a user saved a new secret) and must be left alone.
	ReplaceSealed(ctx context.Context, ref string, oldCT, newCT []byte) (bool, error)
}
