package vault

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// Redacted is what a Secret prints as, everywhere.
const Redacted = "[REDACTED]"

// Secret is a string that hides itself: String, GoString, every fmt verb, JSON and text
// marshalling and slog all yield Redacted. Reveal returns the value, for the one call site
// that builds credentials or a DSN. The zero value is the empty secret.
type Secret struct {
	v string
}

// NewSecret returns a Secret holding s.
func NewSecret(s string) Secret { return Secret{v: s} }

// Reveal returns the secret value. Never log or format the result.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == "" }

// String returns Redacted.
func (s Secret) String() string { return Redacted }

// GoString returns Redacted, for %#v.
func (s Secret) GoString() string { return Redacted }

// Format writes Redacted for every verb, so %x or %q cannot leak the value either.
func (s Secret) Format(f fmt.State, verb rune) { f.Write([]byte(Redacted)) }

// MarshalJSON returns the JSON string "[REDACTED]".
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(Redacted) }

// MarshalText returns Redacted, so encoders that use TextMarshaler redact too.
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// UnmarshalJSON reads a JSON string into the secret, so request bodies can carry one.
func (s *Secret) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("secret must be a JSON string")
	}
	s.v = v
	return nil
}

// LogValue returns Redacted for log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }
