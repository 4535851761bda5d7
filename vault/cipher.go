package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/lorehq/lore"
)

// Ciphertext format, version 1 (all values are sealed with AES-256-GCM and a random nonce):
//
//	offset  size  field
//	0       1     version byte, 0x01
//	1       8     data key id (raw bytes; hex in the data_keys table)
//	9       12    nonce
//	21      n+16  GCM ciphertext and tag
//
// The overhead is 37 bytes. The associated data given to GCM is not stored: it is rebuilt from
// the header and the AD the caller passes (see AD), so a header edit or a ciphertext copied to
// another record or field fails to open.
const (
	formatV1    = 0x01
	keyIDSize   = 8
	nonceSize   = 12
	tagSize     = 16
	headerSize  = 1 + keyIDSize
	minCTSize   = headerSize + nonceSize + tagSize
	adLabel     = "lore-seal"
	wrapADLabel = "lore-wrap"
)

// MaxPlaintext is the largest value Seal accepts (64 KiB); a service-account JSON key is ~2.3 KiB.
const MaxPlaintext = 64 << 10

// Overhead is the number of bytes a ciphertext adds to its plaintext.
const Overhead = minCTSize

// AD is the associated data that binds a ciphertext to the place it is stored. RecordID must be
// stable and never reused (a UUID, not a SQLite rowid). A ciphertext sealed for one AD opens only
// with exactly the same AD.
type AD struct {
	Table    string
	RecordID string
	Field    string
}

// String returns "table/record/field" for messages; it holds no secret.
func (a AD) String() string { return a.Table + "/" + a.RecordID + "/" + a.Field }

// bytes encodes the associated data: a label, the ciphertext header, then each AD field, every
// part prefixed by its 4-byte big-endian length so ("a:1","2") and ("a:12","") differ.
func (a AD) bytes(header []byte) []byte {
	parts := [][]byte{[]byte(adLabel), header, []byte(a.Table), []byte(a.RecordID), []byte(a.Field)}
	return lengthPrefixed(parts...)
}

func lengthPrefixed(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += 4 + len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = binary.BigEndian.AppendUint32(out, uint32(len(p)))
		out = append(out, p...)
	}
	return out
}

// KeyIDOf returns the hex data key id in a ciphertext's header, for the store's key_id column.
// It fails with ErrUnsupportedFormat (code invalid) when the header is not version 1.
func KeyIDOf(ciphertext []byte) (string, error) {
	id, err := parseHeader(ciphertext)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(id), nil
}

// parseHeader checks length and version and returns the raw key id. It touches nothing else.
func parseHeader(ct []byte) ([]byte, error) {
	if len(ct) == 0 {
		return nil, fail(ErrUnsupportedFormat, lore.EINVALID, "Stored secret is empty; re-enter it.")
	}
	if ct[0] != formatV1 {
		return nil, fail(ErrUnsupportedFormat, lore.EINVALID,
			"Stored secret has unknown format version %d; it was written by a newer Lore or is corrupt. Upgrade Lore or re-enter the secret.", ct[0])
	}
	if len(ct) < minCTSize {
		return nil, fail(ErrUnsupportedFormat, lore.EINVALID,
			"Stored secret is truncated (%d bytes, at least %d expected); re-enter it.", len(ct), minCTSize)
	}
	return ct[1:headerSize], nil
}

// newGCM returns AES-256-GCM with a random nonce prepended to every ciphertext.
func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("vault: key is %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithRandomNonce(block)
}

// sealWith seals plaintext under aead, whose raw key id is id.
func sealWith(aead cipher.AEAD, id []byte, plaintext []byte, ad AD) ([]byte, error) {
	if len(plaintext) > MaxPlaintext {
		return nil, fail(ErrTooLarge, lore.EINVALID, "Secret is %d bytes; the limit is %d.", len(plaintext), MaxPlaintext)
	}
	header := make([]byte, 0, headerSize)
	header = append(header, formatV1)
	header = append(header, id...)
	return aead.Seal(header, nil, plaintext, ad.bytes(header)), nil
}

// openWith opens a ciphertext whose header was already parsed, under aead.
func openWith(aead cipher.AEAD, ct []byte, ad AD) ([]byte, error) {
	header := ct[:headerSize]
	pt, err := aead.Open(nil, nil, ct[headerSize:], ad.bytes(header))
	if err != nil {
		return nil, fail(ErrDecrypt, lore.EINTERNAL,
			"Stored secret for %s is unreadable (altered, moved or sealed under another key); re-enter it.", ad)
	}
	return pt, nil
}
