package web

import (
	"net/http"

	"github.com/lorehq/lore"
)

// emptyPage is a sidebar page whose content a later issue provides; until then it shows an
// empty state that says what will appear there.
type emptyPage struct {
	Page
	Heading string
	Empty   string
	Hint    string
}

// notFound answers any path no route matches.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	return lore.Errorf(lore.ENOTFOUND, "There is no page at %s. Use the sidebar to find your way.", r.URL.Path)
}
