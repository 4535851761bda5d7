package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lorehq/lore/internal/loretest"
)

func TestSettingsAI(t *testing.T) {
	t.Parallel()
	l := loretest.New(t, loretest.Options{NoWork: true})
	b := l.Browser(t)
	const key = "sk-test-0123456789abcdef"

	code, page := connGet(t, b, l.URL+"/settings")
	if code != http.StatusOK || !strings.Contains(page, "offline heuristic descriptions") || !strings.Contains(page, "Not set.") {
		t.Fatalf("settings: status %d", code)
	}
	form := url.Values{"provider": {"openai"}, "base_url": {"http://127.0.0.1:11434/v1/"}, "openai_model": {"llama3"}, "api_key": {key}, "max_concurrency": {"3"}}
	if code, page = connPost(t, b, l.URL+"/settings/ai", form); code != http.StatusOK || !strings.Contains(page, "AI provider saved") || strings.Contains(page, key) {
		t.Fatalf("save: status %d", code)
	}
	a, err := l.Service.AISettings(t.Context())
	if err != nil || a.Provider != "openai" || a.Model != "llama3" || a.MaxConcurrency != 3 || !a.APIKey.Set {
		t.Fatalf("saved %+v, %v", a, err)
	}

	// A blank key keeps the stored one; the page says it is set, never shows it.
	form.Set("api_key", "")
	form.Set("openai_model", "llama3.1")
	if code, page = connPost(t, b, l.URL+"/settings/ai", form); code != http.StatusOK || !strings.Contains(page, "leave blank to keep") || strings.Contains(page, key) {
		t.Fatalf("save keep: status %d", code)
	}
	if a, err = l.Service.AISettings(t.Context()); err != nil || !a.APIKey.Set || a.Model != "llama3.1" {
		t.Fatalf("after keep %+v, %v", a, err)
	}

	// Errors come back on the page; clear_key removes the key.
	bad := url.Values{"provider": {"openai"}, "base_url": {"not a url"}, "openai_model": {"m"}}
	if code, page = connPost(t, b, l.URL+"/settings/ai", bad); code != http.StatusBadRequest || !strings.Contains(page, "Base URL must be") {
		t.Fatalf("bad url: status %d", code)
	}
	form.Set("clear_key", "1")
	if code, _ = connPost(t, b, l.URL+"/settings/ai", form); code != http.StatusOK {
		t.Fatalf("clear: status %d", code)
	}
	if a, err = l.Service.AISettings(t.Context()); err != nil || a.APIKey.Set {
		t.Fatalf("after clear %+v, %v", a, err)
	}

	l.CreateUser(t, "member@example.com", false)
	m := connLogin(t, l, "member@example.com")
	if code, _ = connPost(t, m, l.URL+"/settings/ai", url.Values{"provider": {"none"}}); code != http.StatusForbidden {
		t.Errorf("member save: status %d", code)
	}
	if code, page = connGet(t, m, l.URL+"/settings"); code != http.StatusOK || strings.Contains(page, "AI provider") {
		t.Errorf("member settings: status %d, shows the AI section", code)
	}
}
