package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/lorehq/lore"
)

// Store key files. The embedded SQLite file is encrypted as a whole with a random 256-bit
// store key, generated at first start and kept outside the database, wrapped by the key
// provider (bind "store-key"), in StoreKeyFileName in the data directory (mode 0600):
//
//	{"format":"lore-store-key.v1","provider":"file.v1","kek":"<kekRef>","wrapped":"<base64>","created":"…"}
//
// The file is written atomically and never overwritten in place. A rotation (a new store key,
// or the same key rewrapped under a new KEK) first writes StoreKeyFileName+".next" beside it,
// then, once the database uses the new key, renames ".next" over the old file. A crash at any
// point leaves both files readable: OpenStoreKey returns both keys, and the store tries Current
// first and Next second.
const (
	StoreKeyFileName = "store.key"
	storeKeyFormat   = "lore-store-key.v1"
	storeKeyBind     = "store-key"
)

// StoreKeys is the store key and, while a rotation is pending, the next one. Both are 32 bytes;
// never log them.
type StoreKeys struct {
	Current []byte
	Next    []byte // nil unless StoreKeyFileName+".next" exists
}

type storeKeyFile struct {
	Format   string    `json:"format"`
	Provider string    `json:"provider"`
	KEK      string    `json:"kek"`
	Wrapped  []byte    `json:"wrapped"`
	Created  time.Time `json:"created"`
}

// OpenStoreKey reads and unwraps the store key file in dataDir. When the file is missing and
// create is true (the caller found no database: a truly empty install), it creates the key
// source if needed and a new store key; two processes doing so at once end with one key. When
// it is missing and create is false it fails with ErrKEKNotFound. A wrong provider key fails
// with ErrWrongKey, a damaged file with ErrKeyMaterialCorrupt or ErrInsecureKeyFile (all code
// unavailable); none of these changes a byte.
func OpenStoreKey(ctx context.Context, p Provider, dataDir string, create bool) (StoreKeys, error) {
	path := filepath.Join(dataDir, StoreKeyFileName)
	cur, ok, err := readStoreKey(ctx, p, path)
	if err != nil {
		return StoreKeys{}, err
	}
	if !ok {
		if !create {
			return StoreKeys{}, fail(ErrKEKNotFound, lore.EUNAVAILABLE,
				"Store key file %s is missing but the database exists; restore it from a backup. Lore will not create a new one over existing data.", path)
		}
		if cur, err = createStoreKey(ctx, p, path); err != nil {
			return StoreKeys{}, err
		}
	}
	next, _, err := readStoreKey(ctx, p, path+".next")
	if err != nil {
		clear(cur)
		return StoreKeys{}, err
	}
	return StoreKeys{Current: cur, Next: next}, nil
}

func createStoreKey(ctx context.Context, p Provider, path string) ([]byte, error) {
	if err := initProvider(ctx, p); err != nil {
		return nil, err
	}
	plain, wrapped, ref, err := p.GenerateKey(ctx, storeKeyBind)
	if err != nil {
		return nil, err
	}
	err = writeNewFile(path, marshalStoreKey(p, wrapped, ref))
	if errors.Is(err, fs.ErrExist) {
		clear(plain)
		// Another process created it first; use that one.
		k, _, err := readStoreKey(ctx, p, path)
		return k, err
	}
	if err != nil {
		clear(plain)
		return nil, err
	}
	return plain, nil
}

func marshalStoreKey(p Provider, wrapped []byte, ref string) []byte {
	b, _ := json.Marshal(storeKeyFile{Format: storeKeyFormat, Provider: p.Name(), KEK: ref, Wrapped: wrapped,
		Created: time.Now().UTC().Truncate(time.Second)})
	return append(b, '\n')
}

// readStoreKey reads and unwraps one store key file; ok=false when it does not exist.
func readStoreKey(ctx context.Context, p Provider, path string) ([]byte, bool, error) {
	data, ok, err := readPrivateFile(path)
	if err != nil || !ok {
		return nil, ok, err
	}
	corrupt := func(why string) error {
		return fail(ErrKeyMaterialCorrupt, lore.EUNAVAILABLE, "Store key file %s is unusable: %s. Restore it from a backup.", path, why)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f storeKeyFile
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, true, corrupt("it is empty")
	}
	if err := dec.Decode(&f); err != nil {
		return nil, true, corrupt("it is not valid JSON (truncated or edited?)")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, true, corrupt("it has data after the JSON document")
	}
	if f.Format != storeKeyFormat || len(f.Wrapped) == 0 || f.KEK == "" {
		return nil, true, corrupt("it lacks the format, kek or wrapped field")
	}
	if f.Provider != p.Name() {
		return nil, true, fail(ErrWrongKey, lore.EUNAVAILABLE,
			"Store key file %s was wrapped by a %s provider but Lore was started with %s. Start Lore with the --key-provider the data was written with.",
			path, f.Provider, p)
	}
	plain, err := p.Unwrap(ctx, f.Wrapped, f.KEK, storeKeyBind)
	if err != nil {
		return nil, true, prefixed(err, "Store key file "+path+": ")
	}
	if len(plain) != 32 {
		clear(plain)
		return nil, true, corrupt("the unwrapped key is not 32 bytes")
	}
	return plain, true, nil
}

// BeginStoreKeyRotation writes a new random store key, wrapped by the provider's active KEK,
// to StoreKeyFileName+".next" and returns both keys; if a ".next" file is left from an
// interrupted rotation it is reused. The caller re-encrypts the database with Next, then calls
// CommitStoreKeyRotation.
func BeginStoreKeyRotation(ctx context.Context, p Provider, dataDir string) (StoreKeys, error) {
	keys, err := OpenStoreKey(ctx, p, dataDir, false)
	if err != nil || keys.Next != nil {
		return keys, err
	}
	plain, wrapped, ref, err := p.GenerateKey(ctx, storeKeyBind)
	if err != nil {
		clear(keys.Current)
		return StoreKeys{}, err
	}
	if err := writeNewFile(filepath.Join(dataDir, StoreKeyFileName+".next"), marshalStoreKey(p, wrapped, ref)); err != nil {
		clear(keys.Current)
		clear(plain)
		return StoreKeys{}, err
	}
	keys.Next = plain
	return keys, nil
}

// CommitStoreKeyRotation makes the ".next" store key file the current one (an atomic rename).
// It fails with code not_found when no rotation is pending.
func CommitStoreKeyRotation(dataDir string) error {
	path := filepath.Join(dataDir, StoreKeyFileName)
	if _, err := os.Lstat(path + ".next"); err != nil {
		return lore.Errorf(lore.ENOTFOUND, "No store key rotation is pending in %s.", dataDir)
	}
	return replaceFile(path+".next", path)
}

// RewrapStoreKey rewraps the current store key under the provider's active KEK (after
// rotate-kek), through ".next" and a rename, so the database is untouched. It fails with code
// conflict while a store key rotation is pending.
func RewrapStoreKey(ctx context.Context, p Provider, dataDir string) error {
	keys, err := OpenStoreKey(ctx, p, dataDir, false)
	if err != nil {
		return err
	}
	defer clear(keys.Current)
	if keys.Next != nil {
		clear(keys.Next)
		return lore.Errorf(lore.ECONFLICT, "A store key rotation is pending in %s; finish it before rewrapping.", dataDir)
	}
	wrapped, ref, err := p.Wrap(ctx, keys.Current, storeKeyBind)
	if err != nil {
		return err
	}
	path := filepath.Join(dataDir, StoreKeyFileName)
	if err := writeNewFile(path+".next", marshalStoreKey(p, wrapped, ref)); err != nil {
		return err
	}
	return replaceFile(path+".next", path)
}
