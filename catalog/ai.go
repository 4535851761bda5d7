package catalog

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/describe"
	"github.com/lorehq/lore/describe/bedrock"
	"github.com/lorehq/lore/describe/heuristic"
	"github.com/lorehq/lore/describe/openaicompat"
	"github.com/lorehq/lore/store"
)

// AI providers.
const (
	ProviderNone    = "none"
	ProviderOpenAI  = "openai"
	ProviderBedrock = "bedrock"
)

const aiSetting = "ai_provider"
const aiKeySecret = "ai_api_key"

// AISettings is the AI provider configuration as shown: the key only as set or not.
type AISettings struct {
	Provider       string           `json:"provider"`
	BaseURL        string           `json:"base_url,omitempty"`
	Model          string           `json:"model,omitempty"`
	Region         string           `json:"region,omitempty"`
	EndpointURL    string           `json:"endpoint_url,omitempty"`
	MaxConcurrency int              `json:"max_concurrency"`
	APIKey         lore.SecretState `json:"api_key"`
}

// AISettingsInput changes the AI provider. A blank APIKey keeps the stored one.
type AISettingsInput struct {
	Provider       string `json:"provider"`
	BaseURL        string `json:"base_url"`
	Model          string `json:"model"`
	Region         string `json:"region"`
	EndpointURL    string `json:"endpoint_url"`
	MaxConcurrency int    `json:"max_concurrency"`
	APIKey         string `json:"api_key"`
	ClearKey       bool   `json:"clear_key"`
}

// AISettings returns the AI provider configuration.
func (s *Service) AISettings(ctx context.Context) (AISettings, error) {
	var a AISettings
	raw, ok, err := s.Store.Setting(ctx, aiSetting)
	if err != nil {
		return a, err
	}
	if ok {
		_ = json.Unmarshal([]byte(raw), &a)
	}
	if a.Provider == "" {
		a.Provider = ProviderNone
	}
	if a.MaxConcurrency <= 0 {
		a.MaxConcurrency = 4
	}
	sec, err := s.Store.SettingSecret(ctx, aiKeySecret)
	if err != nil {
		return a, err
	}
	a.APIKey = lore.SecretState{Set: sec != nil}
	return a, nil
}

// SaveAISettings validates and stores the AI provider; the key is sealed by the vault.
func (s *Service) SaveAISettings(ctx context.Context, u *lore.User, in AISettingsInput) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	a := AISettings{Provider: strings.TrimSpace(in.Provider), BaseURL: strings.TrimSpace(in.BaseURL), Model: strings.TrimSpace(in.Model),
		Region: strings.TrimSpace(in.Region), EndpointURL: strings.TrimSpace(in.EndpointURL), MaxConcurrency: in.MaxConcurrency}
	switch a.Provider {
	case "", ProviderNone:
		a = AISettings{Provider: ProviderNone}
	case ProviderOpenAI:
		if u, err := url.Parse(a.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return lore.Errorf(lore.EINVALID, "Base URL must be an http(s) URL such as https://api.openai.com/v1/ or http://localhost:11434/v1/.")
		}
		if a.Model == "" {
			return lore.Errorf(lore.EINVALID, "Model is required (for example gpt-4o-mini).")
		}
	case ProviderBedrock:
		if a.Region == "" || a.Model == "" {
			return lore.Errorf(lore.EINVALID, "Region and model are required for Amazon Bedrock.")
		}
	default:
		return lore.Errorf(lore.EINVALID, "Provider must be none, openai or bedrock.")
	}
	if a.MaxConcurrency < 0 || a.MaxConcurrency > 64 {
		return lore.Errorf(lore.EINVALID, "Max concurrency must be between 1 and 64.")
	}
	secrets := map[string]*store.SealedSecret{}
	if in.ClearKey {
		secrets[aiKeySecret] = nil
	} else if in.APIKey != "" {
		ct, err := s.Vault.Seal(ctx, []byte(in.APIKey), store.SettingSecretAD(aiKeySecret))
		if err != nil {
			return err
		}
		keyID, _ := vaultKeyID(ct)
		secrets[aiKeySecret] = &store.SealedSecret{Ciphertext: ct, KeyID: keyID}
	}
	raw, _ := json.Marshal(a)
	if err := s.Store.PutSetting(ctx, aiSetting, string(raw), secrets); err != nil {
		return err
	}
	s.mu.Lock()
	s.descr = nil
	s.mu.Unlock()
	s.audit(ctx, u, "settings.ai", a.Provider, "model "+a.Model)
	return nil
}

// describer returns the configured describer: the AI provider with the offline heuristic as
// fallback, or the heuristic alone.
// It is cached until the settings change, so that a rejected key is reported once and the rest
// of the run goes on with the heuristic.
func (s *Service) describer(ctx context.Context) (describe.Describer, error) {
	s.mu.Lock()
	d := s.descr
	s.mu.Unlock()
	if d != nil {
		return d, nil
	}
	d, err := s.newDescriber(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.descr = d
	s.mu.Unlock()
	return d, nil
}

func (s *Service) newDescriber(ctx context.Context) (describe.Describer, error) {
	a, err := s.AISettings(ctx)
	if err != nil {
		return nil, err
	}
	h := heuristic.New()
	if s.DescriberOverride != nil {
		return describe.NewFallback(s.DescriberOverride, h), nil
	}
	switch a.Provider {
	case ProviderOpenAI:
		key := ""
		if sec, err := s.Store.SettingSecret(ctx, aiKeySecret); err != nil {
			return nil, err
		} else if sec != nil {
			pt, err := s.Vault.Open(ctx, sec.Ciphertext, store.SettingSecretAD(aiKeySecret))
			if err != nil {
				return nil, err
			}
			key = string(pt)
		}
		m, err := openaicompat.NewModel(openaicompat.Config{BaseURL: a.BaseURL, APIKey: key, Model: a.Model, Timeout: 2 * time.Minute})
		if err != nil {
			return nil, err
		}
		return describe.NewFallback(describe.NewAI(m, describe.AIOptions{MaxConcurrency: a.MaxConcurrency}), h), nil
	case ProviderBedrock:
		m, err := bedrock.NewModel(bedrock.Config{Region: a.Region, Model: a.Model, EndpointURL: a.EndpointURL})
		if err != nil {
			return nil, err
		}
		return describe.NewFallback(describe.NewAI(m, describe.AIOptions{MaxConcurrency: a.MaxConcurrency}), h), nil
	}
	return h, nil
}
