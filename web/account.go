package web

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/lorehq/lore"
)

// accountPage is the data of the setup and login forms.
type accountPage struct {
	Page
	Email string
	Next  string
}

// home sends a visitor where they belong: setup, login or the first sidebar page.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	if userFrom(r.Context()) != nil {
		redirect(w, r, "/connections")
		return nil
	}
	n, err := s.store.CountUsers(r.Context())
	if err != nil {
		return err
	}
	if n == 0 {
		redirect(w, r, "/setup")
	} else {
		redirect(w, r, "/login")
	}
	return nil
}

// setupForm shows the first-run form while no user exists.
func (s *Server) setupForm(w http.ResponseWriter, r *http.Request) error {
	n, err := s.store.CountUsers(r.Context())
	if err != nil {
		return err
	}
	if n > 0 {
		redirect(w, r, "/login")
		return nil
	}
	s.render(w, r, http.StatusOK, "setup", &accountPage{Page: Page{Title: "Set up Lore"}})
	return nil
}

// setup creates the first admin and signs them in. Once any user exists it refuses
// (the store checks atomically) and points to the login page.
func (s *Server) setup(w http.ResponseWriter, r *http.Request) error {
	data := &accountPage{Page: Page{Title: "Set up Lore"}}
	if err := r.ParseForm(); err != nil {
		return err
	}
	data.Email = r.PostForm.Get("email")
	password, confirm := r.PostForm.Get("password"), r.PostForm.Get("confirm")
	if password != confirm {
		s.renderForm(w, r, lore.Errorf(lore.EINVALID, "The two passwords differ. Type the same password twice."), "setup", data)
		return nil
	}
	u, err := s.accounts.CreateUser(r.Context(), data.Email, password, lore.RoleAdmin, true)
	if lore.ErrorCode(err) == lore.ECONFLICT {
		s.setFlash(w, "error", "Lore is already set up. Sign in, or ask an admin for an account.")
		redirect(w, r, "/login")
		return nil
	} else if err != nil {
		s.renderForm(w, r, err, "setup", data)
		return nil
	}
	s.audit(r, u, "user.create", "user "+u.Email, "role=admin (first-run setup)")
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	s.setFlash(w, "success", "Welcome to Lore. Start by connecting a data store.")
	redirect(w, r, "/connections")
	return nil
}

// loginForm shows the sign-in form; with no user yet it sends the visitor to setup.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	n, err := s.store.CountUsers(r.Context())
	if err != nil {
		return err
	}
	if n == 0 {
		redirect(w, r, "/setup")
		return nil
	}
	next := safeNext(r.URL.Query().Get("next"))
	if userFrom(r.Context()) != nil {
		redirect(w, r, next)
		return nil
	}
	s.render(w, r, http.StatusOK, "login", &accountPage{Page: Page{Title: "Sign in"}, Next: next})
	return nil
}

// login checks the throttles, then the password; the answer for a wrong password and an
// unknown e-mail is the same. A successful sign-in replaces any previous session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	data := &accountPage{Page: Page{Title: "Sign in"}}
	if err := r.ParseForm(); err != nil {
		return err
	}
	data.Email = r.PostForm.Get("email")
	data.Next = safeNext(r.PostForm.Get("next"))
	password := r.PostForm.Get("password")
	email := strings.ToLower(strings.TrimSpace(data.Email))
	switch {
	case email == "" || password == "":
		s.renderForm(w, r, lore.Errorf(lore.EINVALID, "Enter your e-mail and password."), "login", data)
		return nil
	case len(email) > lore.MaxEmailLen:
		s.renderForm(w, r, lore.Errorf(lore.EINVALID, "E-mail is longer than %d characters.", lore.MaxEmailLen), "login", data)
		return nil
	case len(password) > lore.MaxPasswordLen:
		s.renderForm(w, r, lore.Errorf(lore.EINVALID, "Password is longer than %d characters.", lore.MaxPasswordLen), "login", data)
		return nil
	}
	ip := clientIP(r)
	if d := max(s.acctLimit.wait(email), s.ipLimit.wait(ip)); d > 0 {
		s.renderForm(w, r, tooMany(d), "login", data)
		return nil
	}
	u, err := s.accounts.Authenticate(r.Context(), email, password)
	if lore.ErrorCode(err) == lore.EUNAUTHORIZED {
		d := max(s.acctLimit.fail(email), s.ipLimit.fail(ip))
		if d > 0 {
			s.log.Warn("login locked out", "email", email, "ip", ip, "for", d)
			err = tooMany(d)
		}
		s.renderForm(w, r, err, "login", data)
		return nil
	} else if err != nil {
		return err
	}
	s.acctLimit.reset(email)
	if old := s.sessionToken(r); old != "" {
		if err := s.accounts.EndSession(r.Context(), old); err != nil {
			return err
		}
	}
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	s.audit(r, u, "user.login", "user "+u.Email, "")
	redirect(w, r, data.Next)
	return nil
}

// logout ends the server session and clears the cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if token := s.sessionToken(r); token != "" {
		if err := s.accounts.EndSession(r.Context(), token); err != nil {
			return err
		}
		if u := userFrom(r.Context()); u != nil {
			s.audit(r, u, "user.logout", "user "+u.Email, "")
		}
	}
	s.clearSessionCookie(w)
	s.setFlash(w, "success", "You are signed out.")
	redirect(w, r, "/login")
	return nil
}

func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *lore.User) error {
	token, err := s.accounts.StartSession(r.Context(), u.ID)
	if err != nil {
		return err
	}
	s.setSessionCookie(w, token)
	return nil
}

func tooMany(d time.Duration) error {
	secs := retrySeconds(d)
	return &retryError{
		err:   lore.Errorf(lore.ETOOMANY, "Too many failed sign-ins. Wait %s and try again.", humanSeconds(secs)),
		after: secs,
	}
}

func humanSeconds(secs int) string {
	if secs < 120 {
		return (time.Duration(secs) * time.Second).String()
	}
	return (time.Duration((secs+59)/60) * time.Minute).String()
}

// safeNext keeps a post-login redirect on this site: a local absolute path or "/connections".
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/connections"
	}
	return next
}

// clientIP is the peer address. Lore does not trust X-Forwarded-For: behind a proxy all
// clients share the proxy's address and the per-account limit does the work.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
