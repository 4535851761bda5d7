package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/lorehq/lore"
)

// auditLimit is how many recent audit entries the settings page shows.
const auditLimit = 200

// settingsPage shows the user's API tokens, the audit log to admins, and the AI provider
// section that a later issue fills in.
type settingsPage struct {
	Page
	Tokens []*lore.APIToken
	// NewToken is the value of a token just created; it is shown once and never again.
	NewToken  string
	TokenName string
	Audit     []*lore.AuditEntry
	// AI is the AI provider section, for admins only (see settings_ai.go).
	AI *aiSection
}

func (s *Server) settingsData(r *http.Request) (*settingsPage, error) {
	u := userFrom(r.Context())
	tokens, err := s.store.ListTokens(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	p := &settingsPage{Page: Page{Title: "Settings", Nav: "settings"}, Tokens: tokens}
	if u.IsAdmin() {
		if p.Audit, err = s.store.ListAudit(r.Context(), auditLimit); err != nil {
			return nil, err
		}
		if p.AI, err = s.loadAISection(r); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.settingsData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "settings", p)
	return nil
}

// tokenCreate creates an API token for the signed-in user and shows its value once. The page
// is rendered directly, not redirected to, so that the value never travels in a cookie or URL.
func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	u := userFrom(r.Context())
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if name == "" {
		name = "api"
	}
	token, t, err := s.accounts.CreateToken(r.Context(), u.Email, name)
	if err != nil {
		p, perr := s.settingsData(r)
		if perr != nil {
			return perr
		}
		p.TokenName = r.PostForm.Get("name")
		s.renderForm(w, r, err, "settings", p)
		return nil
	}
	s.audit(r, u, "token.create", fmt.Sprintf("token %d %q", t.ID, t.Name), "")
	p, err := s.settingsData(r)
	if err != nil {
		return err
	}
	p.NewToken = token
	p.Flash = &Flash{Kind: "success", Message: fmt.Sprintf("Token %q created. Copy it now: it is shown only once.", t.Name)}
	s.render(w, r, http.StatusOK, "settings", p)
	return nil
}

// tokenDelete deletes one of the signed-in user's tokens.
func (s *Server) tokenDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "token")
	if err != nil {
		return err
	}
	u := userFrom(r.Context())
	if err := s.store.DeleteToken(r.Context(), u.ID, id); err != nil {
		return err
	}
	s.audit(r, u, "token.delete", fmt.Sprintf("token %d", id), "")
	s.setFlash(w, "success", "Token deleted. Clients using it can no longer sign in with it.")
	redirect(w, r, "/settings")
	return nil
}

// audit records that actor did action to target. detail must never hold a secret value.
// A failure to record is logged, not shown: the change itself has already happened.
func (s *Server) audit(r *http.Request, actor *lore.User, action, target, detail string) {
	e := &lore.AuditEntry{
		At:     s.cfg.Now().UTC(),
		Action: action,
		Target: target,
		Detail: detail,
	}
	if actor != nil {
		e.ActorID, e.ActorEmail = actor.ID, actor.Email
	}
	if err := s.store.RecordAudit(r.Context(), e); err != nil {
		s.log.Error("record audit entry", "action", action, "target", target, "err", err)
	}
}
