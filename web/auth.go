package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/lorehq/lore"
)

// handlerFunc is the shape of Lore's handlers: an error is rendered by the access wrapper,
// as an HTML page or as JSON.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

type ctxKey int

const userKey ctxKey = iota

// userFrom returns the signed-in user of a request's context, or nil.
func userFrom(ctx context.Context) *lore.User {
	u, _ := ctx.Value(userKey).(*lore.User)
	return u
}

func withUser(r *http.Request, u *lore.User) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), userKey, u))
}

// sessionCookieName is __Host-lore_session under TLS: the prefix makes browsers insist on
// Secure, Path=/ and no Domain, so a sibling subdomain cannot plant or read it.
func (s *Server) sessionCookieName() string {
	if s.cfg.TLS {
		return "__Host-lore_session"
	}
	return "lore_session"
}

func (s *Server) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{
		Name:     s.sessionCookieName(),
		Value:    token,
		Path:     "/",
		MaxAge:   int(lore.SessionTTL.Seconds()),
		HttpOnly: true,
		Secure:   s.cfg.TLS,
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.TLS, SameSite: http.SameSiteLaxMode})
}

func (s *Server) sessionToken(r *http.Request) string {
	c, err := r.Cookie(s.sessionCookieName())
	if err != nil {
		return ""
	}
	return c.Value
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	return strings.TrimSpace(h[7:]), true
}

// sessionUser returns the user of the request's session cookie, nil when there is none, or
// EUNAUTHORIZED when the cookie is forged or expired.
func (s *Server) sessionUser(r *http.Request) (*lore.User, error) {
	token := s.sessionToken(r)
	if token == "" {
		return nil, nil
	}
	return s.accounts.SessionUser(r.Context(), token)
}

// public serves h to anyone, with the user in the context when a valid session exists.
// A dead session cookie is cleared.
func (s *Server) public(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.sessionUser(r)
		if lore.ErrorCode(err) == lore.EUNAUTHORIZED {
			s.clearSessionCookie(w)
		} else if err != nil {
			s.htmlError(w, r, err)
			return
		}
		if u != nil {
			r = withUser(r, u)
		}
		if err := h(w, r); err != nil {
			s.htmlError(w, r, err)
		}
	})
}

// page serves h to signed-in users; others go to /login and come back afterwards.
func (s *Server) page(h handlerFunc) http.Handler {
	return s.pageFor(false, h)
}

// adminPage is page for admins only; members get 403.
func (s *Server) adminPage(h handlerFunc) http.Handler {
	return s.pageFor(true, h)
}

func (s *Server) pageFor(admin bool, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.sessionUser(r)
		if err != nil && lore.ErrorCode(err) != lore.EUNAUTHORIZED {
			s.htmlError(w, r, err)
			return
		}
		if u == nil {
			if err != nil {
				s.clearSessionCookie(w)
				s.setFlash(w, "error", lore.ErrorMessage(err))
			}
			target := "/login"
			if r.Method == http.MethodGet {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			redirect(w, r, target)
			return
		}
		r = withUser(r, u)
		if admin && !u.IsAdmin() {
			s.htmlError(w, r, lore.Errorf(lore.EFORBIDDEN, "Only an admin can do this. Ask an admin of your Lore."))
			return
		}
		if err := h(w, r); err != nil {
			s.htmlError(w, r, err)
		}
	})
}

// api serves h to a caller with a valid bearer token or session cookie, else 401 JSON.
// A request with an Authorization header is judged by it alone.
func (s *Server) api(h handlerFunc) http.Handler {
	return s.apiFor(false, h)
}

// adminAPI is api for admins only; members get 403.
func (s *Server) adminAPI(h handlerFunc) http.Handler {
	return s.apiFor(true, h)
}

func (s *Server) apiFor(admin bool, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u *lore.User
		var err error
		if token, ok := bearerToken(r); ok {
			u, err = s.accounts.TokenUser(r.Context(), token)
		} else if r.Header.Get("Authorization") != "" {
			err = lore.Errorf(lore.EUNAUTHORIZED, "Use the header \"Authorization: Bearer <token>\".")
		} else {
			u, err = s.sessionUser(r)
			if err == nil && u == nil {
				err = lore.Errorf(lore.EUNAUTHORIZED,
					"Sign in, or send \"Authorization: Bearer <token>\" with a token from `lore tokens create`.")
			}
		}
		if err != nil {
			if lore.ErrorCode(err) == lore.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", `Bearer realm="lore"`)
			}
			s.jsonError(w, r, err)
			return
		}
		r = withUser(r, u)
		if admin && !u.IsAdmin() {
			s.jsonError(w, r, lore.Errorf(lore.EFORBIDDEN, "Only an admin can do this. Ask an admin of your Lore."))
			return
		}
		if err := h(w, r); err != nil {
			s.jsonError(w, r, err)
		}
	})
}
