package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/catalog"
)

// aiProviders are the choices of the provider select.
var aiProviders = []struct{ Value, Label string }{
	{catalog.ProviderNone, "None: offline heuristic descriptions (no AI, nothing leaves Lore)"},
	{catalog.ProviderOpenAI, "OpenAI-compatible API (OpenAI, Azure OpenAI, Ollama, vLLM…)"},
	{catalog.ProviderBedrock, "Amazon Bedrock"},
}

// aiSection is the AI provider section of the Settings page. The API key is never here: only
// whether it is set.
type aiSection struct {
	Settings  catalog.AISettings
	Providers []struct{ Value, Label string }
}

// loadAISection reads the AI settings for an admin's Settings page; members get nil.
func (s *Server) loadAISection(r *http.Request) (*aiSection, error) {
	if u := userFrom(r.Context()); u == nil || !u.IsAdmin() || s.catalog == nil {
		return nil, nil
	}
	a, err := s.catalog.AISettings(r.Context())
	if err != nil {
		return nil, err
	}
	return &aiSection{Settings: a, Providers: aiProviders}, nil
}

// parseAIForm reads the posted AI provider form.
func parseAIForm(r *http.Request) (catalog.AISettingsInput, error) {
	if err := r.ParseForm(); err != nil {
		return catalog.AISettingsInput{}, err
	}
	f := r.PostForm
	in := catalog.AISettingsInput{
		Provider:    f.Get("provider"),
		BaseURL:     strings.TrimSpace(f.Get("base_url")),
		Model:       strings.TrimSpace(f.Get("model")),
		Region:      strings.TrimSpace(f.Get("region")),
		EndpointURL: strings.TrimSpace(f.Get("endpoint_url")),
		APIKey:      strings.TrimSpace(f.Get("api_key")),
		ClearKey:    f.Get("clear_key") != "",
	}
	// Each provider has its own model input so that switching keeps what was typed.
	switch in.Provider {
	case catalog.ProviderOpenAI:
		in.Model = strings.TrimSpace(f.Get("openai_model"))
	case catalog.ProviderBedrock:
		in.Model = strings.TrimSpace(f.Get("bedrock_model"))
	}
	if v := strings.TrimSpace(f.Get("max_concurrency")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return in, lore.Errorf(lore.EINVALID, "Max concurrency must be a whole number from 1 to 64 (got %q).", v)
		}
		in.MaxConcurrency = n
	}
	return in, nil
}

// settingsAISave saves the AI provider section; a blank key keeps the stored one.
func (s *Server) settingsAISave(w http.ResponseWriter, r *http.Request) error {
	in, err := parseAIForm(r)
	if err == nil {
		err = s.catalog.SaveAISettings(r.Context(), userFrom(r.Context()), in)
	}
	if err != nil {
		p, perr := s.settingsData(r)
		if perr != nil {
			return perr
		}
		if p.AI != nil {
			// Show what was typed again, never the key.
			p.AI.Settings.Provider, p.AI.Settings.BaseURL, p.AI.Settings.Model = in.Provider, in.BaseURL, in.Model
			p.AI.Settings.Region, p.AI.Settings.EndpointURL, p.AI.Settings.MaxConcurrency = in.Region, in.EndpointURL, in.MaxConcurrency
		}
		s.renderForm(w, r, err, "settings", p)
		return nil
	}
	msg := "AI provider saved."
	if in.Provider == catalog.ProviderNone || in.Provider == "" {
		msg = "AI provider turned off: Lore writes offline heuristic descriptions."
	}
	s.setFlash(w, "success", msg)
	redirect(w, r, "/settings#ai-provider")
	return nil
}
