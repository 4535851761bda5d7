package vault

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/lorehq/lore"
)

// maxKeyFileSize bounds what is read from a key file or store key file.
const maxKeyFileSize = 1 << 20

// readPrivateFile reads a file that must be a regular, owner-only file (like OpenSSH's private
// keys). It returns exists=false, no error, when the path does not exist. It never writes.
func readPrivateFile(path string) (data []byte, exists bool, err error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fail(ErrKEKNotFound, lore.EUNAVAILABLE, "Cannot read key file %s: %v. Check the data directory's permissions.", path, errors.Unwrap(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, true, fail(ErrInsecureKeyFile, lore.EUNAVAILABLE,
			"Key file %s is not a regular file (%s). Replace it with the original key file from a backup.", path, fileKind(fi.Mode()))
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, true, fail(ErrInsecureKeyFile, lore.EUNAVAILABLE,
			"Key file %s has mode %04o and is readable by others. Run `chmod 600 %s`, and treat the key as exposed if others could read it.",
			path, fi.Mode().Perm(), path)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, true, fail(ErrKEKNotFound, lore.EUNAVAILABLE, "Cannot open key file %s: %v. Check its owner and permissions.", path, errors.Unwrap(err))
	}
	defer f.Close()
	// The file must still be the one checked above (no swap between Lstat and Open).
	if fi2, err := f.Stat(); err != nil || !os.SameFile(fi, fi2) {
		return nil, true, fail(ErrInsecureKeyFile, lore.EUNAVAILABLE, "Key file %s changed while it was read; try again.", path)
	}
	data, err = io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, true, fmt.Errorf("read key file %s: %w", path, err)
	}
	if len(data) > maxKeyFileSize {
		return nil, true, fail(ErrKeyMaterialCorrupt, lore.EUNAVAILABLE, "Key file %s is larger than %d bytes; it is not a Lore key file.", path, maxKeyFileSize)
	}
	return data, true, nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	default:
		return "mode " + m.String()
	}
}

// writeNewFile atomically creates path with data, mode 0600, and never replaces an existing
// file: data goes to a temporary file created with O_EXCL, is synced, and is hard-linked to
// path, which fails with fs.ErrExist if path exists. Readers therefore see no file or the
// whole file, never a partial one. The directory is created 0700 when missing.
func writeNewFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	tmp := path + ".tmp-" + hex.EncodeToString(suffix)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fs.ErrExist
		}
		return fmt.Errorf("create %s: %w", path, err)
	}
	return syncDir(dir)
}

// replaceFile atomically renames from over to, then syncs the directory.
func replaceFile(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("rename %s: %w", from, err)
	}
	return syncDir(filepath.Dir(to))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
