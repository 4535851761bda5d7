package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// Flash is a one-time message shown on the next page a user sees.
type Flash struct {
	// Kind is "success" or "error"; the stylesheet colours it.
	Kind    string
	Message string
}

const maxFlashLen = 500

func randomKey() ([]byte, error) {
	k := make([]byte, 32)
	_, err := rand.Read(k)
	return k, err
}

func (s *Server) flashCookieName() string {
	if s.cfg.TLS {
		return "__Host-lore_flash"
	}
	return "lore_flash"
}

// setFlash stores a flash for the next page in a short-lived cookie, signed so that nobody
// else can put words in Lore's mouth.
func (s *Server) setFlash(w http.ResponseWriter, kind, msg string) {
	if len(msg) > maxFlashLen {
		msg = strings.ToValidUTF8(msg[:maxFlashLen], "")
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(kind + "\n" + msg))
	http.SetCookie(w, &http.Cookie{
		Name:     s.flashCookieName(),
		Value:    payload + "." + s.sign(payload),
		Path:     "/",
		MaxAge:   60,
		HttpOnly: true,
		Secure:   s.cfg.TLS,
		SameSite: http.SameSiteLaxMode,
	})
}

// takeFlash returns the pending flash, if any and genuine, and clears it.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) *Flash {
	c, err := r.Cookie(s.flashCookieName())
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: s.flashCookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.TLS, SameSite: http.SameSiteLaxMode})
	payload, sig, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign(payload))) {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil
	}
	kind, msg, ok := strings.Cut(string(b), "\n")
	if !ok || (kind != "success" && kind != "error") {
		return nil
	}
	return &Flash{Kind: kind, Message: msg}
}

func (s *Server) sign(payload string) string {
	m := hmac.New(sha256.New, s.flashKey)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
