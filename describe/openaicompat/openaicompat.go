// Package openaicompat describes tables with any OpenAI-compatible Chat Completions endpoint:
// OpenAI, Azure OpenAI (its /openai/v1 endpoint), Ollama, vLLM and the like.
package openaicompat

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/describe"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

// DefaultBaseURL is OpenAI's own endpoint, used when Config.BaseURL is empty.
const DefaultBaseURL = "https://api.openai.com/v1/"

// Config configures one endpoint and model.
type Config struct {
	// Name labels the provider in results and messages (default "openai").
	Name string
	// BaseURL is the API root, e.g. https://api.openai.com/v1/, http://localhost:11434/v1/
	// (Ollama) or https://RESOURCE.openai.azure.com/openai/v1/ (Azure OpenAI).
	BaseURL string
	// APIKey is sent as a bearer token, or in APIKeyHeader when that is set ("api-key" for
	// Azure OpenAI). Empty sends no key (a local Ollama).
	APIKey       string
	APIKeyHeader string
	// APIVersion, when set, is sent as the api-version query parameter (older Azure APIs).
	APIVersion string
	// Model is the model (or Azure deployment) name. Required.
	Model string
	// Timeout bounds one HTTP attempt (default 2 minutes).
	Timeout time.Duration
	// MaxRetries is how often a 408, 409, 429 or 5xx answer or a network error is retried,
	// with exponential backoff honouring Retry-After (default 3; negative for none).
	MaxRetries int
	// MaxConcurrency bounds requests in flight across tables (default 4).
	MaxConcurrency int
	// ChunkSize is the most columns per request (default 150).
	ChunkSize int
	// PlainText turns off response_format json_object for servers that reject it; the
	// answer is still validated as JSON.
	PlainText bool
	// HTTPClient replaces the default HTTP client (tests, proxies).
	HTTPClient *http.Client
}

// New returns a Describer for cfg. It returns an EINVALID error when the model is missing or
// the base URL is not an http(s) URL.
func New(cfg Config) (describe.Describer, error) {
	m, err := NewModel(cfg)
	if err != nil {
		return nil, err
	}
	return describe.NewAI(m, describe.AIOptions{ChunkSize: cfg.ChunkSize, MaxConcurrency: cfg.MaxConcurrency}), nil
}

// Model is the describe.Model for one endpoint and model.
type Model struct {
	cfg    Config
	client openai.Client
}

// NewModel returns the Model for cfg; see New for the errors.
func NewModel(cfg Config) (*Model, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, lore.Errorf(lore.EINVALID, "Choose a model for the AI provider (for example gpt-4o-mini, or llama3.1 on Ollama)")
	}
	if cfg.Name == "" {
		cfg.Name = "openai"
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, lore.Errorf(lore.EINVALID, "The AI provider base URL %q is not an http(s) URL; enter one such as https://api.openai.com/v1/", cfg.BaseURL)
	}
	if !strings.HasSuffix(cfg.BaseURL, "/") {
		cfg.BaseURL += "/"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 3
	}
	opts := []option.RequestOption{
		option.WithBaseURL(cfg.BaseURL),
		option.WithMaxRetries(max(cfg.MaxRetries, 0)),
		option.WithRequestTimeout(cfg.Timeout),
		// Always set: an OPENAI_API_KEY in Lore's environment must not leak to another endpoint.
		option.WithAPIKey(""),
	}
	if cfg.APIKeyHeader != "" {
		opts = append(opts, option.WithHeader(cfg.APIKeyHeader, cfg.APIKey))
	} else {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	if cfg.APIVersion != "" {
		opts = append(opts, option.WithQuery("api-version", cfg.APIVersion))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	return &Model{cfg: cfg, client: openai.NewClient(opts...)}, nil
}

// Provider returns the configured provider name.
func (m *Model) Provider() string { return m.cfg.Name }

// Model returns the model name.
func (m *Model) Model() string { return m.cfg.Model }

// Complete sends one chat completion: the system prompt, the user message, JSON mode.
func (m *Model) Complete(ctx lore.Context, p describe.Prompt) (describe.Completion, error) {
	params := openai.ChatCompletionNewParams{
		Model: m.cfg.Model,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage(p.System),
			openai.UserMessage(p.User),
		},
	}
	if !m.cfg.PlainText {
		params.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{
			OfJSONObject: &shared.ResponseFormatJSONObjectParam{},
		}
	}
	resp, err := m.client.Chat.Completions.New(ctx, params)
	if err != nil {
		return describe.Completion{}, m.classify(err)
	}
	c := describe.Completion{InputTokens: resp.Usage.PromptTokens, OutputTokens: resp.Usage.CompletionTokens}
	if len(resp.Choices) == 0 {
		return c, nil // validated as "no JSON" and asked again
	}
	c.Text = resp.Choices[0].Message.Content
	c.Truncated = resp.Choices[0].FinishReason == "length"
	return c, nil
}

func (m *Model) classify(err error) error {
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		return describe.ClassifyStatus(m.cfg.Name, m.cfg.Model, apiErr.StatusCode, err)
	}
	return describe.ClassifyTransport(m.cfg.Name, err)
}
