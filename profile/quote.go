package profile

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lorehq/lore"
)

// MaxIdentBytes is the longest identifier QuoteIdent accepts: Redshift's limit of 127 bytes.
// PostgreSQL cuts names at 63 bytes when they are created, so no longer name can exist there.
const MaxIdentBytes = 127

// QuoteIdent returns name as a double-quoted SQL identifier that PostgreSQL and Redshift both
// read back as exactly name: embedded double quotes are doubled and nothing else is changed.
// It returns an EINVALID error for an empty name, a name longer than MaxIdentBytes, invalid
// UTF-8, or a name holding NUL or any other control character (newline, tab, escape…), which
// no sane warehouse object needs and which would make logs and generated SQL misleading.
func QuoteIdent(name string) (string, error) {
	switch {
	case name == "":
		return "", lore.Errorf(lore.EINVALID, "an empty identifier cannot be quoted; check the catalog entry")
	case len(name) > MaxIdentBytes:
		return "", lore.Errorf(lore.EINVALID, "identifier %.40q… is %d bytes, longer than the %d-byte limit; rename the object or leave it out of the selection", name, len(name), MaxIdentBytes)
	case !utf8.ValidString(name):
		return "", lore.Errorf(lore.EINVALID, "identifier %q is not valid UTF-8; rename the object or leave it out of the selection", name)
	}
	for _, r := range name {
		if r == 0 || unicode.IsControl(r) {
			return "", lore.Errorf(lore.EINVALID, "identifier %q contains a control character; rename the object or leave it out of the selection", name)
		}
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`, nil
}

// quoteTable returns "schema"."table" for ref; the database is implied by the connection.
func quoteTable(ref lore.TableRef) (string, error) {
	s, err := QuoteIdent(ref.Schema)
	if err != nil {
		return "", err
	}
	t, err := QuoteIdent(ref.Name)
	if err != nil {
		return "", err
	}
	return s + "." + t, nil
}
