package vault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretRedacts(t *testing.T) {
	t.Parallel()
	const value = "AKIA-canary-9f3e"
	s := NewSecret(value)
	type conn struct {
		Name   string
		Secret Secret
		Ptr    *Secret
	}
	c := conn{Name: "n", Secret: s, Ptr: &s}
	var out []string
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"} {
		out = append(out, fmt.Sprintf(f, s), fmt.Sprintf(f, c))
	}
	out = append(out, s.String(), s.GoString(), fmt.Sprint(s), fmt.Sprintln(s))
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, string(j))
	m, _ := json.Marshal(map[Secret]string{s: "x"})
	out = append(out, string(m))
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		l := slog.New(h)
		l.Info("msg", "secret", s, "conn", c, slog.Any("any", s), slog.Group("g", "s", s))
	}
	out = append(out, buf.String())
	for _, o := range out {
		if strings.Contains(o, value) || strings.Contains(o, fmt.Sprintf("%x", value)) {
			t.Fatalf("secret leaked: %s", o)
		}
	}
	if !strings.Contains(string(j), `"Secret":"[REDACTED]"`) || !strings.Contains(buf.String(), Redacted) {
		t.Fatalf("JSON %s / log %s does not say %s", j, buf.String(), Redacted)
	}
	if s.Reveal() != value || s.IsZero() || !(Secret{}).IsZero() {
		t.Fatal("Reveal/IsZero wrong")
	}
	var back struct{ S Secret }
	if err := json.Unmarshal([]byte(`{"S":"new-value"}`), &back); err != nil || back.S.Reveal() != "new-value" {
		t.Fatalf("UnmarshalJSON = %q, %v", back.S.Reveal(), err)
	}
	if err := json.Unmarshal([]byte(`{"S":12}`), &back); err == nil {
		t.Fatal("a number was accepted as a secret")
	}
}
