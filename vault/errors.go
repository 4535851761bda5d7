package vault

import (
	"errors"

	"github.com/lorehq/lore"
)

// Sentinel errors. Every error the vault returns that concerns keys or ciphertexts matches one
// of them with errors.Is, and also carries a *lore.Error whose message tells the operator what
// to do next. No error ever contains plaintext, key material or a ciphertext.
var (
	// ErrDecrypt means a ciphertext failed authentication: it was tampered with, truncated,
	// moved to another record or field, or sealed under another key.
	ErrDecrypt = errors.New("vault: ciphertext failed authentication")
	// ErrUnsupportedFormat means a ciphertext is too short or has an unknown version byte.
	ErrUnsupportedFormat = errors.New("vault: unsupported ciphertext format")
	// ErrKeyNotFound means a ciphertext names a data key the key store does not have.
	ErrKeyNotFound = errors.New("vault: data key not found")
	// ErrKeyRetired means a ciphertext names a retired data key.
	ErrKeyRetired = errors.New("vault: data key retired")
	// ErrKeyInUse means a data key cannot be retired because values still use it.
	ErrKeyInUse = errors.New("vault: data key in use")
	// ErrKEKNotFound means the key source is missing: no key file, no secret, no KMS key.
	ErrKEKNotFound = errors.New("vault: key-encryption key not found")
	// ErrWrongKey means the key source exists but does not hold the key the data needs, or a
	// data key's canary does not open.
	ErrWrongKey = errors.New("vault: wrong key-encryption key")
	// ErrKeyMaterialCorrupt means a key file, keyring or wrapped key is malformed or truncated.
	ErrKeyMaterialCorrupt = errors.New("vault: key material corrupt")
	// ErrInsecureKeyFile means the key file is readable by others or not a regular file.
	ErrInsecureKeyFile = errors.New("vault: insecure key file")
	// ErrAccessDenied means the cloud provider refused access to the key.
	ErrAccessDenied = errors.New("vault: access to key denied")
	// ErrProviderUnavailable means the key provider could not be reached; retrying may help.
	ErrProviderUnavailable = errors.New("vault: key provider unavailable")
	// ErrConflict is returned by KeyStore implementations when a compare-and-swap loses.
	ErrConflict = errors.New("vault: concurrent change")
	// ErrTooLarge means a plaintext exceeds MaxPlaintext.
	ErrTooLarge = errors.New("vault: plaintext too large")
)

// keyError pairs a sentinel (for errors.Is) with a user-facing *lore.Error (for lore.ErrorCode
// and lore.ErrorMessage). Its text is the user message only.
type keyError struct {
	kind error
	user *lore.Error
}

func (e *keyError) Error() string   { return e.user.Message }
func (e *keyError) Unwrap() []error { return []error{e.kind, e.user} }

// fail returns an error matching kind whose message is the formatted text.
func fail(kind error, code, format string, args ...any) error {
	return &keyError{kind: kind, user: lore.Errorf(code, format, args...)}
}
