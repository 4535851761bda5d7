package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/lorehq/lore"
)

// maxTeamMembers bounds one team's member list.
const maxTeamMembers = 1000

// teamsPage lists teams; admins also see the create form.
type teamsPage struct {
	Page
	Teams []*lore.Team
	Form  teamForm
}

// teamEditPage is the edit form of one team.
type teamEditPage struct {
	Page
	Team *lore.Team
	Form teamForm
}

// teamForm holds what the user typed, to show it again after an error.
type teamForm struct {
	Name    string
	Members string
}

// teamInput is the JSON body of POST and PATCH /api/v1/teams; PATCH may leave fields out.
type teamInput struct {
	Name    *string   `json:"name"`
	Members *[]string `json:"members"`
}

// checkTeam validates and normalises t before saving.
func checkTeam(t *lore.Team) error {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		return lore.Errorf(lore.EINVALID, "Team name is required.")
	}
	if len(t.Name) > lore.MaxNameLen {
		return lore.Errorf(lore.EINVALID, "Team name is longer than %d characters.", lore.MaxNameLen)
	}
	if len(t.Members) > maxTeamMembers {
		return lore.Errorf(lore.EINVALID, "A team has at most %d members.", maxTeamMembers)
	}
	seen := map[string]bool{}
	members := make([]string, 0, len(t.Members))
	for _, m := range t.Members {
		m = strings.ToLower(strings.TrimSpace(m))
		if m == "" || seen[m] {
			continue
		}
		if err := lore.ValidateEmail(m); err != nil {
			return err
		}
		seen[m] = true
		members = append(members, m)
	}
	t.Members = members
	return nil
}

// saveTeam validates, saves and audits t; it is shared by the HTML and JSON handlers.
func (s *Server) saveTeam(r *http.Request, t *lore.Team) error {
	if err := checkTeam(t); err != nil {
		return err
	}
	action := "team.update"
	if t.ID == 0 {
		action = "team.create"
	}
	if err := s.store.SaveTeam(r.Context(), t); err != nil {
		return err
	}
	s.audit(r, userFrom(r.Context()), action, teamTarget(t),
		fmt.Sprintf("members=%s", strings.Join(t.Members, ",")))
	return nil
}

func (s *Server) deleteTeam(r *http.Request, id int64) error {
	t, err := s.store.FindTeam(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteTeam(r.Context(), id); err != nil {
		return err
	}
	s.audit(r, userFrom(r.Context()), "team.delete", teamTarget(t), "")
	return nil
}

func teamTarget(t *lore.Team) string { return fmt.Sprintf("team %d %q", t.ID, t.Name) }

// pathID parses the {id} path value, or returns ENOTFOUND.
func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, lore.Errorf(lore.ENOTFOUND, "No %s has the id %q. Check the link.", what, r.PathValue("id"))
	}
	return id, nil
}

// splitMembers reads a textarea of e-mails separated by newlines, commas or spaces.
func splitMembers(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == '\n' || r == '\r' || r == ' ' || r == '\t'
	})
}

func (s *Server) teamsPage(w http.ResponseWriter, r *http.Request) error {
	teams, err := s.store.ListTeams(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "teams", &teamsPage{Page: Page{Title: "Teams", Nav: "teams"}, Teams: teams})
	return nil
}

func (s *Server) teamCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	form := teamForm{Name: r.PostForm.Get("name"), Members: r.PostForm.Get("members")}
	t := &lore.Team{Name: form.Name, Members: splitMembers(form.Members)}
	if err := s.saveTeam(r, t); err != nil {
		teams, lerr := s.store.ListTeams(r.Context())
		if lerr != nil {
			return lerr
		}
		s.renderForm(w, r, err, "teams", &teamsPage{Page: Page{Title: "Teams", Nav: "teams"}, Teams: teams, Form: form})
		return nil
	}
	s.setFlash(w, "success", fmt.Sprintf("Team %q created.", t.Name))
	redirect(w, r, "/teams")
	return nil
}

func (s *Server) teamEditPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "team")
	if err != nil {
		return err
	}
	t, err := s.store.FindTeam(r.Context(), id)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "team", &teamEditPage{
		Page: Page{Title: "Team " + t.Name, Nav: "teams"},
		Team: t,
		Form: teamForm{Name: t.Name, Members: strings.Join(t.Members, "\n")},
	})
	return nil
}

func (s *Server) teamUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "team")
	if err != nil {
		return err
	}
	old, err := s.store.FindTeam(r.Context(), id)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	form := teamForm{Name: r.PostForm.Get("name"), Members: r.PostForm.Get("members")}
	t := &lore.Team{ID: id, Name: form.Name, Members: splitMembers(form.Members), CreatedAt: old.CreatedAt}
	if err := s.saveTeam(r, t); err != nil {
		s.renderForm(w, r, err, "team", &teamEditPage{Page: Page{Title: "Team " + old.Name, Nav: "teams"}, Team: old, Form: form})
		return nil
	}
	s.setFlash(w, "success", fmt.Sprintf("Team %q saved.", t.Name))
	redirect(w, r, "/teams")
	return nil
}

func (s *Server) teamDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "team")
	if err != nil {
		return err
	}
	if err := s.deleteTeam(r, id); err != nil {
		return err
	}
	s.setFlash(w, "success", "Team deleted.")
	redirect(w, r, "/teams")
	return nil
}
