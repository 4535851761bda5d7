package bedrock

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/describe"
)

// fakeBedrock answers Converse requests; AnswerFunc returns an HTTP status, an AWS error
// type for failures, and the model's text.
type fakeBedrock struct {
	AnswerFunc func(n int) (status int, errType, text string)
	mu         sync.Mutex
	bodies     []map[string]any
	paths      []string
	auth       []string
}

func (f *fakeBedrock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.paths = append(f.paths, r.URL.EscapedPath())
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	n := len(f.bodies)
	f.mu.Unlock()
	status, errType, text := f.AnswerFunc(n)
	w.Header().Set("Content-Type", "application/json")
	if status != 200 {
		w.Header().Set("X-Amzn-ErrorType", errType)
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"message": "fake %s"}`, errType)
		return
	}
	json.NewEncoder(w).Encode(map[string]any{
		"output":     map[string]any{"message": map[string]any{"role": "assistant", "content": []any{map[string]any{"text": text}}}},
		"stopReason": "end_turn",
		"usage":      map[string]any{"inputTokens": 200, "outputTokens": 40, "totalTokens": 240},
		"metrics":    map[string]any{"latencyMs": 5},
	})
}

func (f *fakeBedrock) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.bodies)
}

const model = "anthropic.claude-3-5-haiku-20241022-v1:0"

func setup(t *testing.T, f *fakeBedrock, cfg Config) describe.Describer {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg.Region, cfg.Model, cfg.EndpointURL = "us-east-1", model, srv.URL
	cfg.Credentials = credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret-example", "")
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 20 * time.Millisecond
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func request() describe.Request {
	return describe.Request{
		Table: lore.TableMeta{Ref: lore.TableRef{Database: "dev", Schema: "tickit", Name: "users"}, RowEstimate: 49990,
			Columns: []lore.ColumnMeta{{Name: "userid", Type: "integer"}, {Name: "email", Type: "varchar(100)"}}},
		Columns: []describe.ColumnInput{
			{Name: "userid", Type: "integer", PrimaryKey: true},
			{Name: "email", Type: "varchar(100)", Profile: &lore.ColumnProfile{Samples: []string{"ann@example.com"}}},
		},
	}
}

const good = `{"table": "Registered users.", "columns": {"userid": "User id.", "email": "E-mail address.", "ghost": "x"}}`

func TestConverse(t *testing.T) {
	t.Parallel()
	f := &fakeBedrock{AnswerFunc: func(int) (int, string, string) { return 200, "", good }}
	res, err := setup(t, f, Config{}).Describe(context.Background(), request())
	if err != nil {
		t.Fatal(err)
	}
	if f.requests() != 1 {
		t.Fatalf("requests = %d", f.requests())
	}
	if want := "/model/" + strings.ReplaceAll(model, ":", "%3A") + "/converse"; f.paths[0] != want {
		t.Errorf("path = %s", f.paths[0])
	}
	if !strings.HasPrefix(f.auth[0], "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || strings.Contains(f.auth[0], "secret-example") {
		t.Errorf("authorization = %q", f.auth[0])
	}
	raw, _ := json.Marshal(f.bodies[0])
	sent := string(raw)
	if strings.Contains(sent, "ann@example.com") {
		t.Error("request carries an unmasked sample")
	}
	if !strings.Contains(sent, "columns_to_describe") || !strings.Contains(sent, `"system"`) {
		t.Errorf("request = %.300s", sent)
	}
	if res.Columns["email"] != "E-mail address." || res.TableDescription != "Registered users." ||
		res.Provider != "bedrock" || res.Model != model || res.Usage.InputTokens != 200 || res.Usage.OutputTokens != 40 ||
		len(res.Dropped) != 1 {
		t.Errorf("result = %+v", res)
	}
}

func TestConverseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		errType  string
		code     string
		config   bool
		requests int
	}{
		{"bad key", 403, "UnrecognizedClientException", lore.EUNAUTHORIZED, true, 1},
		{"bad signature", 403, "InvalidSignatureException", lore.EUNAUTHORIZED, true, 1},
		{"no model access", 403, "AccessDeniedException", lore.EFORBIDDEN, true, 1},
		{"unknown model", 404, "ResourceNotFoundException", lore.ENOTFOUND, true, 1},
		{"bad request", 400, "ValidationException", lore.EINVALID, false, 1},
		{"throttled", 429, "ThrottlingException", lore.ETOOMANY, false, 3},
		{"server error", 500, "InternalServerException", lore.EUNAVAILABLE, false, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeBedrock{AnswerFunc: func(int) (int, string, string) { return tt.status, tt.errType, "" }}
			_, err := setup(t, f, Config{MaxAttempts: 3}).Describe(context.Background(), request())
			if lore.ErrorCode(err) != tt.code || describe.IsConfigError(err) != tt.config || f.requests() != tt.requests {
				t.Errorf("err = %v (code %s), requests %d", err, lore.ErrorCode(err), f.requests())
			}
		})
	}
}

func TestConverseRetriesThenSucceeds(t *testing.T) {
	t.Parallel()
	f := &fakeBedrock{AnswerFunc: func(n int) (int, string, string) {
		switch n {
		case 1:
			return 429, "ThrottlingException", ""
		case 2:
			return 503, "ServiceUnavailableException", ""
		case 3:
			return 200, "", "not json at all"
		}
		return 200, "", good
	}}
	res, err := setup(t, f, Config{}).Describe(context.Background(), request())
	if err != nil {
		t.Fatal(err)
	}
	if f.requests() != 4 || res.Usage.Requests != 2 {
		t.Errorf("requests = %d, usage %+v", f.requests(), res.Usage)
	}
}

func TestConverseTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	f := &fakeBedrock{AnswerFunc: func(int) (int, string, string) {
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		return 200, "", good
	}}
	d := setup(t, f, Config{Timeout: 100 * time.Millisecond, MaxAttempts: 1})
	t.Cleanup(func() { close(release) })
	_, err := d.Describe(context.Background(), request())
	if lore.ErrorCode(err) != lore.EUNAVAILABLE || !strings.Contains(lore.ErrorMessage(err), "in time") {
		t.Errorf("err = %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{Model: "m"}); lore.ErrorCode(err) != lore.EINVALID {
		t.Errorf("no region: %v", err)
	}
	if _, err := New(Config{Region: "us-east-1"}); lore.ErrorCode(err) != lore.EINVALID {
		t.Errorf("no model: %v", err)
	}
}
