// Package bedrock describes tables with a model on Amazon Bedrock through the Converse API.
package bedrock

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/describe"
)

// Provider is the provider name in results and messages.
const Provider = "bedrock"

// Config configures one Bedrock model.
type Config struct {
	// Region is the AWS region, e.g. us-east-1. Required.
	Region string
	// Model is the model or inference profile id, e.g. anthropic.claude-3-5-haiku-20241022-v1:0
	// or us.amazon.nova-lite-v1:0. Required.
	Model string
	// EndpointURL replaces the regional endpoint (VPC endpoints, tests).
	EndpointURL string
	// Credentials signs requests. Nil uses the AWS default chain (environment, shared
	// config, instance or task role).
	Credentials aws.CredentialsProvider
	// Timeout bounds one attempt (default 2 minutes) unless HTTPClient has its own.
	Timeout time.Duration
	// MaxAttempts is how many attempts throttling, 5xx and network errors get (default 4).
	MaxAttempts int
	// MaxBackoff caps the wait between attempts (default 20 s).
	MaxBackoff time.Duration
	// MaxConcurrency bounds requests in flight across tables (default 4).
	MaxConcurrency int
	// ChunkSize is the most columns per request (default 150).
	ChunkSize int
	// MaxTokens caps the answer (default 4096).
	MaxTokens int32
	// HTTPClient replaces the default HTTP client.
	HTTPClient *http.Client
}

// New returns a Describer for cfg, or an EINVALID error when the region or model is missing.
func New(cfg Config) (describe.Describer, error) {
	m, err := NewModel(cfg)
	if err != nil {
		return nil, err
	}
	return describe.NewAI(m, describe.AIOptions{ChunkSize: cfg.ChunkSize, MaxConcurrency: cfg.MaxConcurrency}), nil
}

// Model is the describe.Model for one Bedrock model.
type Model struct {
	cfg    Config
	client *bedrockruntime.Client
}

// NewModel returns the Model for cfg; see New for the errors.
func NewModel(cfg Config) (*Model, error) {
	if strings.TrimSpace(cfg.Region) == "" {
		return nil, lore.Errorf(lore.EINVALID, "Enter the AWS region of the Bedrock model (for example us-east-1)")
	}
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, lore.Errorf(lore.EINVALID, "Enter the Bedrock model id (for example anthropic.claude-3-5-haiku-20241022-v1:0)")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 4
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 20 * time.Second
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = 4096
	}
	creds := cfg.Credentials
	if creds == nil {
		ac, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(cfg.Region))
		if err != nil {
			return nil, lore.Errorf(lore.EINVALID, "Lore could not read the default AWS configuration for Bedrock; enter an access key instead")
		}
		creds = ac.Credentials
	}
	opts := bedrockruntime.Options{
		Region:      cfg.Region,
		Credentials: aws.NewCredentialsCache(credentialsMarker{creds}),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = cfg.MaxAttempts
			o.MaxBackoff = cfg.MaxBackoff
			// Lore bounds its own concurrency; the client-wide retry budget would turn a
			// burst of throttling into hard failures.
			o.RateLimiter = ratelimit.None
		}),
	}
	if cfg.EndpointURL != "" {
		opts.BaseEndpoint = aws.String(cfg.EndpointURL)
	}
	hc := http.Client{}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	if hc.Timeout == 0 {
		hc.Timeout = cfg.Timeout // per attempt: each retry gets the full time
	}
	opts.HTTPClient = &hc
	return &Model{cfg: cfg, client: bedrockruntime.New(opts)}, nil
}

// Provider returns "bedrock".
func (m *Model) Provider() string { return Provider }

// Model returns the model id.
func (m *Model) Model() string { return m.cfg.Model }

// Complete sends one Converse request.
func (m *Model) Complete(ctx lore.Context, p describe.Prompt) (describe.Completion, error) {
	in := &bedrockruntime.ConverseInput{
		ModelId: aws.String(m.cfg.Model),
		System:  []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: p.System}},
		Messages: []types.Message{{
			Role:    types.ConversationRoleUser,
			Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: p.User}},
		}},
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(m.cfg.MaxTokens)},
	}
	out, err := m.client.Converse(ctx, in)
	if err != nil {
		return describe.Completion{}, m.classify(err)
	}
	var c describe.Completion
	if out.Usage != nil {
		c.InputTokens = int64(aws.ToInt32(out.Usage.InputTokens))
		c.OutputTokens = int64(aws.ToInt32(out.Usage.OutputTokens))
	}
	c.Truncated = out.StopReason == types.StopReasonMaxTokens
	if msg, ok := out.Output.(*types.ConverseOutputMemberMessage); ok {
		var b strings.Builder
		for _, block := range msg.Value.Content {
			if t, ok := block.(*types.ContentBlockMemberText); ok {
				b.WriteString(t.Value)
			}
		}
		c.Text = b.String()
	}
	return c, nil
}

// authCodes are error codes AWS answers when the credentials themselves are wrong.
var authCodes = map[string]bool{
	"UnrecognizedClientException": true,
	"InvalidSignatureException":   true,
	"ExpiredTokenException":       true,
	"InvalidClientTokenId":        true,
	"SignatureDoesNotMatch":       true,
	"IncompleteSignature":         true,
	"MissingAuthenticationToken":  true,
}

func (m *Model) classify(err error) error {
	var ce *credentialsError
	if errors.As(err, &ce) {
		return describe.ProviderErr(Provider, lore.EUNAUTHORIZED, err, "Lore could not get AWS credentials for Bedrock; check the access key or role in Settings → AI provider")
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && authCodes[ae.ErrorCode()] {
		return describe.ProviderErr(Provider, lore.EUNAUTHORIZED, err, "AWS rejected the credentials for Bedrock (%s); check the access key or role in Settings → AI provider", ae.ErrorCode())
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		if re.HTTPStatusCode() == 400 && ae != nil && ae.ErrorCode() == "ThrottlingException" {
			return describe.ClassifyStatus(Provider, m.cfg.Model, 429, err)
		}
		return describe.ClassifyStatus(Provider, m.cfg.Model, re.HTTPStatusCode(), err)
	}
	return describe.ClassifyTransport(Provider, err)
}

// credentialsMarker tags failures to obtain credentials, so they are told apart from the
// network errors around them without reading message text.
type credentialsMarker struct{ aws.CredentialsProvider }

// Retrieve returns the credentials, or a *credentialsError.
func (c credentialsMarker) Retrieve(ctx context.Context) (aws.Credentials, error) {
	v, err := c.CredentialsProvider.Retrieve(ctx)
	if err != nil && ctx.Err() == nil {
		return v, &credentialsError{err}
	}
	return v, err
}

type credentialsError struct{ err error }

func (e *credentialsError) Error() string { return "get AWS credentials: " + e.err.Error() }
func (e *credentialsError) Unwrap() error { return e.err }
