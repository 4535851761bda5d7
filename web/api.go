package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/lorehq/lore"
)

// decodeJSON reads one JSON object from the body into v, refusing unknown fields and
// trailing data, with messages that say what to fix.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			return err
		case errors.Is(err, io.EOF):
			return lore.Errorf(lore.EINVALID, "The request body is empty. Send a JSON object.")
		case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
			return lore.Errorf(lore.EINVALID, "The request body is not valid JSON. Send a JSON object.")
		case errors.As(err, &typ):
			return lore.Errorf(lore.EINVALID, "Field %q has the wrong type: it must be %s.", typ.Field, typ.Type)
		default:
			return lore.Errorf(lore.EINVALID, "The request body could not be read: %v.", err)
		}
	}
	if dec.More() {
		return lore.Errorf(lore.EINVALID, "The request body holds more than one JSON value. Send one object.")
	}
	return nil
}

// apiMe returns the caller.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, userFrom(r.Context()))
	return nil
}

// apiNotFound answers any unknown /api/ path.
func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) error {
	return lore.Errorf(lore.ENOTFOUND, "No API route %s %s. See the API documentation for the routes.", r.Method, r.URL.Path)
}

func (s *Server) apiTeams(w http.ResponseWriter, r *http.Request) error {
	teams, err := s.store.ListTeams(r.Context())
	if err != nil {
		return err
	}
	if teams == nil {
		teams = []*lore.Team{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"teams": teams})
	return nil
}

func (s *Server) apiTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "team")
	if err != nil {
		return err
	}
	t, err := s.store.FindTeam(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) apiTeamCreate(w http.ResponseWriter, r *http.Request) error {
	var in teamInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t := &lore.Team{}
	in.applyTo(t)
	if err := s.saveTeam(r, t); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) apiTeamUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "team")
	if err != nil {
		return err
	}
	var in teamInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, err := s.store.FindTeam(r.Context(), id)
	if err != nil {
		return err
	}
	in.applyTo(t)
	if err := s.saveTeam(r, t); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) apiTeamDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "team")
	if err != nil {
		return err
	}
	if err := s.deleteTeam(r, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// applyTo sets the fields the request names (a PATCH leaves the others as they are).
func (in teamInput) applyTo(t *lore.Team) {
	if in.Name != nil {
		t.Name = *in.Name
	}
	if in.Members != nil {
		t.Members = *in.Members
	}
}
