package vault

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"sync"
	"time"

	"github.com/lorehq/lore"
)

// KeyFileName is the file provider's key file inside the data directory. It holds a keyring
// (see NewKeyringJSON for the format) and must be mode 0600. Back it up separately from the
// database: a backup holding both is as good as plaintext.
//
// rotate-kek writes the new keyring (all old keys plus a new active one) to KeyFileName+".next"
// without replacing anything, then renames it over the key file. A crash before the rename
// leaves the old key file in force and the ".next" file is reused by the next rotate-kek; a
// crash after it leaves the new keyring, which still holds every old key. Either way every data
// key opens.
const KeyFileName = "lore.key"

// FileProvider keeps key-encryption keys in a keyring file in the data directory.
type FileProvider struct {
	path string

	mu sync.Mutex
	kr *keyring // nil while the file is absent
}

// OpenFileProvider returns the file provider for dataDir. A missing key file is not an error
// here (Init creates it on an empty install; Unwrap reports it); a key file that exists but is
// not a regular file, is readable by others, or is empty, truncated or malformed is, matching
// ErrInsecureKeyFile or ErrKeyMaterialCorrupt (code unavailable). It never writes.
func OpenFileProvider(dataDir string) (*FileProvider, error) {
	if dataDir == "" {
		return nil, lore.Errorf(lore.EINVALID, "The file key provider needs a data directory; set --data-dir.")
	}
	p := &FileProvider{path: filepath.Join(dataDir, KeyFileName)}
	kr, err := p.load()
	if err != nil {
		return nil, err
	}
	p.kr = kr
	return p, nil
}

// Path returns the key file's path.
func (p *FileProvider) Path() string { return p.path }

// load reads and validates the key file; nil, nil when it does not exist.
func (p *FileProvider) load() (*keyring, error) {
	data, ok, err := readPrivateFile(p.path)
	if err != nil || !ok {
		return nil, err
	}
	return parseKeyring(data, p.path)
}

// Name returns ProviderFile.
func (p *FileProvider) Name() string { return ProviderFile }

// String returns `key file PATH`.
func (p *FileProvider) String() string { return "key file " + p.path }

// Init creates the key file with one new key when it does not exist and reports whether it
// did. Two processes may call it at once: exactly one creates the file and both then use it.
func (p *FileProvider) Init(ctx context.Context) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.kr != nil {
		return false, nil
	}
	if kr, err := p.load(); err != nil || kr != nil {
		p.kr = kr
		return false, err
	}
	kr := (&keyring{}).withNewActive(time.Now())
	err := writeNewFile(p.path, kr.marshal())
	if errors.Is(err, fs.ErrExist) {
		// Another process won the race; use its file.
		p.kr, err = p.load()
		return false, err
	}
	if err != nil {
		return false, err
	}
	p.kr = kr
	return true, nil
}

// current returns the keyring, or ErrKEKNotFound when the file is absent.
func (p *FileProvider) current() (*keyring, error) {
	if p.kr == nil {
		kr, err := p.load()
		if err != nil {
			return nil, err
		}
		if kr == nil {
			return nil, fail(ErrKEKNotFound, lore.EUNAVAILABLE,
				"Key file %s is missing, but the data was encrypted with it. Restore it from a backup; Lore will not create a new one over existing data.", p.path)
		}
		p.kr = kr
	}
	return p.kr, nil
}

// GenerateKey returns a new random key wrapped under the active key.
func (p *FileProvider) GenerateKey(ctx context.Context, bind string) ([]byte, []byte, string, error) {
	plain := randomKey()
	wrapped, ref, err := p.Wrap(ctx, plain, bind)
	return plain, wrapped, ref, err
}

// Wrap wraps plain under the active key.
func (p *FileProvider) Wrap(ctx context.Context, plain []byte, bind string) ([]byte, string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	kr, err := p.current()
	if err != nil {
		return nil, "", err
	}
	return kr.wrap(plain, bind)
}

// Unwrap opens a key wrapped under kekRef. An unknown kekRef makes it re-read the file once,
// since another process may have rotated the keyring.
func (p *FileProvider) Unwrap(ctx context.Context, wrapped []byte, kekRef, bind string) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	kr, err := p.current()
	if err != nil {
		return nil, err
	}
	if kr.find(kekRef) == nil {
		if fresh, err := p.load(); err == nil && fresh != nil {
			p.kr, kr = fresh, fresh
		}
	}
	return kr.unwrap(wrapped, kekRef, bind, p.String())
}

// ActiveKEK returns the active key id.
func (p *FileProvider) ActiveKEK(ctx context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	kr, err := p.current()
	if err != nil {
		return "", err
	}
	return kr.Active, nil
}

// KEKs returns the key ids in the key file.
func (p *FileProvider) KEKs(ctx context.Context) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	kr, err := p.current()
	if err != nil {
		return nil, err
	}
	return kr.ids(), nil
}

// RotateKEK adds a new active key to the key file, keeping the old ones, as described at
// KeyFileName, and returns its id. arg must be empty.
func (p *FileProvider) RotateKEK(ctx context.Context, arg string) (string, error) {
	if arg != "" {
		return "", lore.Errorf(lore.EINVALID, "The file key provider takes no argument to rotate-kek.")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	cur, err := p.load()
	if err != nil {
		return "", err
	}
	if cur == nil {
		_, err := p.current()
		return "", err
	}
	nextPath := p.path + ".next"
	data, ok, err := readPrivateFile(nextPath)
	if err != nil {
		return "", err
	}
	var next *keyring
	if ok {
		// A previous rotation stopped before its rename: finish it if the file is sound.
		next, err = parseKeyring(data, nextPath)
		if err != nil {
			return "", err
		}
		if !next.containsAll(cur) {
			return "", fail(ErrKeyMaterialCorrupt, lore.EUNAVAILABLE,
				"%s is left from an earlier rotation but lacks keys of %s; move it aside and run rotate-kek again.", nextPath, p.path)
		}
	} else {
		next = cur.withNewActive(time.Now())
		if err := writeNewFile(nextPath, next.marshal()); err != nil {
			return "", err
		}
	}
	if err := replaceFile(nextPath, p.path); err != nil {
		return "", err
	}
	p.kr = next
	return next.Active, nil
}
