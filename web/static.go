package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var staticFS embed.FS

// assets serves the embedded files under /static/. URLs made by url carry a content hash
// (?v=…), so a matching request may be cached for a year; a stale or missing hash is served
// with no-cache.
type assets struct {
	files   fs.FS
	hashes  map[string]string
	handler http.Handler
}

func loadAssets() (*assets, error) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	a := &assets{files: sub, hashes: map[string]string{}}
	err = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hashes[name] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.handler = http.StripPrefix("/static/", http.FileServerFS(sub))
	return a, nil
}

// url returns the versioned URL of a static file, for templates: {{asset "lore.css"}}.
func (a *assets) url(name string) string {
	h, ok := a.hashes[name]
	if !ok {
		// A typo in a template shows up as a 404 in the browser and in tests.
		return "/static/" + name
	}
	return "/static/" + name + "?v=" + h
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	if h, ok := a.hashes[name]; ok && r.URL.Query().Get("v") == h {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	if strings.HasSuffix(name, "/") || name == "" {
		http.NotFound(w, r)
		return
	}
	a.handler.ServeHTTP(w, r)
}
