package lore

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 4
	argonKeyLen  = 32
)

// Field limits shared by every form and API.
const (
	MaxEmailLen    = 254
	MinPasswordLen = 8
	MaxPasswordLen = 1024
	MaxNameLen     = 200
)

// HashPassword returns an encoded argon2id hash of password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime,
		argonThreads, base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the encoded hash.
func CheckPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when an e-mail is unknown so that the answer takes as long as for
// a known one. It is made on first use: hashing costs a second and 64 MiB, which commands that
// never check a password should not pay.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("lore-timing-equaliser")
	return h
})

// CheckDummyPassword spends the time of one password check.
func CheckDummyPassword(password string) { CheckPassword(dummyHash(), password) }

// NewToken returns a random opaque token with the given prefix and the hex SHA-256 hash that is
// stored in its place.
func NewToken(prefix string) (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken returns the stored form of a session or API token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// ValidateEmail returns EINVALID unless s looks like an e-mail address of sane length.
func ValidateEmail(s string) error {
	if s == "" {
		return Errorf(EINVALID, "E-mail is required.")
	}
	if len(s) > MaxEmailLen {
		return Errorf(EINVALID, "E-mail is longer than %d characters.", MaxEmailLen)
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n<>") {
		return Errorf(EINVALID, "%q is not an e-mail address.", s)
	}
	return nil
}

// ValidatePassword returns EINVALID for a password that is too short or too long.
func ValidatePassword(s string) error {
	if len(s) < MinPasswordLen {
		return Errorf(EINVALID, "Password must be at least %d characters.", MinPasswordLen)
	}
	if len(s) > MaxPasswordLen {
		return Errorf(EINVALID, "Password must be at most %d characters.", MaxPasswordLen)
	}
	return nil
}
