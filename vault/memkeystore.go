package vault

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
)

// MemKeyStore is an in-memory KeyStore and Resealer for tests, here and in other packages. It
// also holds sealed values (PutSealed) so rotation can be exercised without a database. The
// zero value is ready to use; it is safe for concurrent use.
type MemKeyStore struct {
	mu     sync.Mutex
	keys   []DataKey
	sealed map[string]SealedValue
}

// NewMemKeyStore returns an empty MemKeyStore.
func NewMemKeyStore() *MemKeyStore { return &MemKeyStore{} }

func cloneKey(k DataKey) DataKey {
	k.Wrapped = slices.Clone(k.Wrapped)
	k.Canary = slices.Clone(k.Canary)
	return k
}

// DataKeys returns copies of all data keys, oldest first.
func (m *MemKeyStore) DataKeys(ctx context.Context) ([]DataKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]DataKey, len(m.keys))
	for i, k := range m.keys {
		out[i] = cloneKey(k)
	}
	return out, nil
}

func (m *MemKeyStore) index(id string) int {
	return slices.IndexFunc(m.keys, func(k DataKey) bool { return k.ID == id })
}

// AddDataKey inserts k as the active key if prevActive is the current active key ("" = none).
func (m *MemKeyStore) AddDataKey(ctx context.Context, k DataKey, prevActive string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k.State != KeyActive {
		return fmt.Errorf("memkeystore: new key %s must be active", k.ID)
	}
	if m.index(k.ID) >= 0 {
		return ErrConflict
	}
	cur := slices.IndexFunc(m.keys, func(k DataKey) bool { return k.State == KeyActive })
	switch {
	case cur < 0 && prevActive != "", cur >= 0 && m.keys[cur].ID != prevActive:
		return ErrConflict
	}
	if cur >= 0 {
		m.keys[cur].State = KeyDecryptOnly
	}
	m.keys = append(m.keys, cloneKey(k))
	return nil
}

// UpdateWrapped swaps a key's wrapped bytes if they still equal oldWrapped.
func (m *MemKeyStore) UpdateWrapped(ctx context.Context, id string, oldWrapped, newWrapped []byte, provider, kekRef string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.index(id)
	if i < 0 || !bytes.Equal(m.keys[i].Wrapped, oldWrapped) {
		return ErrConflict
	}
	m.keys[i].Wrapped = slices.Clone(newWrapped)
	m.keys[i].Provider = provider
	m.keys[i].KEKRef = kekRef
	return nil
}

// RetireDataKey marks a non-active key retired.
func (m *MemKeyStore) RetireDataKey(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.index(id)
	if i < 0 || m.keys[i].State == KeyActive {
		return ErrConflict
	}
	m.keys[i].State = KeyRetired
	return nil
}

// CountSealed counts values put with PutSealed whose ciphertext names keyID.
func (m *MemKeyStore) CountSealed(ctx context.Context, keyID string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for _, v := range m.sealed {
		if id, _ := KeyIDOf(v.Ciphertext); id == keyID {
			n++
		}
	}
	return n, nil
}

// PutSealed stores (or replaces) a sealed value at ref, as a store's write would.
func (m *MemKeyStore) PutSealed(ref string, ad AD, ciphertext []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sealed == nil {
		m.sealed = map[string]SealedValue{}
	}
	m.sealed[ref] = SealedValue{Ref: ref, AD: ad, Ciphertext: slices.Clone(ciphertext)}
}

// Sealed returns the value at ref.
func (m *MemKeyStore) Sealed(ref string) (SealedValue, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.sealed[ref]
	v.Ciphertext = slices.Clone(v.Ciphertext)
	return v, ok
}

// SealedValues returns values under keyID with Ref > after, in Ref order, at most limit.
func (m *MemKeyStore) SealedValues(ctx context.Context, keyID, after string, limit int) ([]SealedValue, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []SealedValue
	for ref, v := range m.sealed {
		if id, _ := KeyIDOf(v.Ciphertext); id == keyID && ref > after {
			v.Ciphertext = slices.Clone(v.Ciphertext)
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// ReplaceSealed swaps the value at ref if it still equals oldCT.
func (m *MemKeyStore) ReplaceSealed(ctx context.Context, ref string, oldCT, newCT []byte) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.sealed[ref]
	if !ok || !bytes.Equal(v.Ciphertext, oldCT) {
		return false, nil
	}
	v.Ciphertext = slices.Clone(newCT)
	m.sealed[ref] = v
	return true, nil
}
