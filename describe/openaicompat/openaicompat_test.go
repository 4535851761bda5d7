package openaicompat

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

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/describe"
	"github.com/lorehq/lore/describe/heuristic"
)

// fakeServer is an OpenAI-compatible Chat Completions endpoint whose answer comes from
// AnswerFunc; it records every request body.
type fakeServer struct {
	AnswerFunc func(n int, body map[string]any) (status int, content string)
	mu         sync.Mutex
	bodies     []map[string]any
	auth       []string
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" {
		http.NotFound(w, r)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	n := len(f.bodies)
	f.mu.Unlock()
	status, content := f.AnswerFunc(n, body)
	w.Header().Set("Content-Type", "application/json")
	if status != 200 {
		w.Header().Set("Retry-After-Ms", "10")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error": {"message": "fake failure", "type": "x", "code": "%d"}}`, status)
		return
	}
	resp := map[string]any{
		"id": "c1", "object": "chat.completion", "created": 1, "model": body["model"],
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content}}},
		"usage": map[string]any{"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
	}
	json.NewEncoder(w).Encode(resp)
}

func (f *fakeServer) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.bodies)
}

func setup(t *testing.T, f *fakeServer, cfg Config) describe.Describer {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL + "/v1"
	if cfg.Model == "" {
		cfg.Model = "gpt-test"
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func ptr[T any](v T) *T { return &v }

func usersRequest() describe.Request {
	users := lore.TableRef{Database: "dev", Schema: "tickit", Name: "users"}
	return describe.Request{
		Table: lore.TableMeta{Ref: lore.TableRef{Database: "dev", Schema: "tickit", Name: "sales"}, Kind: lore.KindTable,
			PrimaryKey:  []string{"salesid"},
			ForeignKeys: []lore.ForeignKey{{Columns: []string{"buyerid"}, Ref: users, RefColumns: []string{"userid"}}},
			Columns: []lore.ColumnMeta{{Name: "salesid", Type: "integer"}, {Name: "buyerid", Type: "integer"},
				{Name: "pricepaid", Type: "numeric(8,2)"}, {Name: "note", Type: "varchar(200)"}},
			RowEstimate: 172456},
		Columns: []describe.ColumnInput{
			{Name: "salesid", Type: "integer", PrimaryKey: true},
			{Name: "buyerid", Type: "integer", Description: "The buyer (dbt)."},
			{Name: "pricepaid", Type: "numeric(8,2)", Profile: &lore.ColumnProfile{Min: ptr("20.00"), Max: ptr("1500.00")}},
			{Name: "note", Type: "varchar(200)", Profile: &lore.ColumnProfile{Samples: []string{"call jane@example.org", "VIP"}}},
		},
		Neighbours: []describe.NeighbourTable{{Ref: users, Description: "Registered users."}},
	}
}

const goodAnswer = `{"table": "One row per ticket sale.", "columns": {"salesid": "Sale id.", "PricePaid": "Price paid.", "note": "Free text.", "bogus_col": "Invented."}}`

func TestDescribeSendsOneRequestPerTable(t *testing.T) {
	t.Parallel()
	f := &fakeServer{AnswerFunc: func(int, map[string]any) (int, string) { return 200, goodAnswer }}
	d := setup(t, f, Config{APIKey: "sk-test"})
	res, err := d.Describe(context.Background(), usersRequest())
	if err != nil {
		t.Fatal(err)
	}
	if f.requests() != 1 {
		t.Fatalf("requests = %d, want 1", f.requests())
	}
	body := f.bodies[0]
	if body["model"] != "gpt-test" || f.auth[0] != "Bearer sk-test" {
		t.Errorf("model %v, auth %q", body["model"], f.auth[0])
	}
	if rf, _ := body["response_format"].(map[string]any); rf["type"] != "json_object" {
		t.Errorf("response_format = %v", body["response_format"])
	}
	msgs := ""
	for _, m := range body["messages"].([]any) {
		msgs += fmt.Sprint(m.(map[string]any)["content"])
	}
	for _, want := range []string{"salesid", "pricepaid", "note", "tickit.users(userid)", "Registered users.", "1500.00", "<email>", "The buyer (dbt)."} {
		if !strings.Contains(msgs, want) {
			t.Errorf("request lacks %q", want)
		}
	}
	if strings.Contains(msgs, "jane@example.org") {
		t.Error("request carries an unmasked sample")
	}
	if res.TableDescription != "One row per ticket sale." || res.Columns["pricepaid"] != "Price paid." || len(res.Columns) != 3 {
		t.Errorf("result = %+v", res)
	}
	if _, ok := res.Columns["buyerid"]; ok {
		t.Error("buyerid has a dbt description and must not be asked for")
	}
	if len(res.Dropped) != 1 || res.Dropped[0] != "bogus_col" {
		t.Errorf("dropped = %v", res.Dropped)
	}
	if res.Source != describe.SourceAI || res.Provider != "openai" || res.Model != "gpt-test" ||
		res.Usage.InputTokens != 120 || res.Usage.OutputTokens != 30 {
		t.Errorf("provenance = %+v", res)
	}
}

func TestDescribeRetriesInvalidJSON(t *testing.T) {
	t.Parallel()
	f := &fakeServer{AnswerFunc: func(n int, _ map[string]any) (int, string) {
		if n == 1 {
			return 200, `{"table": "One row per`
		}
		return 200, goodAnswer
	}}
	res, err := setup(t, f, Config{}).Describe(context.Background(), usersRequest())
	if err != nil {
		t.Fatal(err)
	}
	if f.requests() != 2 || res.Usage.Requests != 2 || res.Usage.InputTokens != 240 {
		t.Errorf("requests = %d, usage %+v", f.requests(), res.Usage)
	}
	f2 := &fakeServer{AnswerFunc: func(int, map[string]any) (int, string) { return 200, "I cannot help with that." }}
	_, err = setup(t, f2, Config{}).Describe(context.Background(), usersRequest())
	if lore.ErrorCode(err) != lore.EINVALID || !strings.Contains(lore.ErrorMessage(err), "did not answer with the JSON") {
		t.Errorf("err = %v", err)
	}
}

func TestDescribeRetriesRateLimitsAndServerErrors(t *testing.T) {
	t.Parallel()
	f := &fakeServer{AnswerFunc: func(n int, _ map[string]any) (int, string) {
		switch n {
		case 1:
			return 429, ""
		case 2:
			return 503, ""
		}
		return 200, goodAnswer
	}}
	if _, err := setup(t, f, Config{}).Describe(context.Background(), usersRequest()); err != nil {
		t.Fatal(err)
	}
	if f.requests() != 3 {
		t.Errorf("requests = %d, want 3", f.requests())
	}
	always := &fakeServer{AnswerFunc: func(int, map[string]any) (int, string) { return 429, "" }}
	_, err := setup(t, always, Config{MaxRetries: 2}).Describe(context.Background(), usersRequest())
	if lore.ErrorCode(err) != lore.ETOOMANY || describe.IsConfigError(err) || always.requests() != 3 {
		t.Errorf("err = %v after %d requests", err, always.requests())
	}
}

func TestWrongKeyFallsBackToHeuristic(t *testing.T) {
	t.Parallel()
	f := &fakeServer{AnswerFunc: func(int, map[string]any) (int, string) { return 401, "" }}
	d := describe.NewFallback(setup(t, f, Config{APIKey: "wrong"}), heuristic.New())
	for range 2 {
		res, err := d.Describe(context.Background(), usersRequest())
		if err != nil {
			t.Fatal(err)
		}
		if res.Source != describe.SourceHeuristic || res.Provider != "heuristic" || !strings.Contains(res.FallbackReason, "API key") {
			t.Errorf("result = %+v", res)
		}
	}
	if f.requests() != 1 {
		t.Errorf("requests = %d, want 1: the rejected provider is asked once", f.requests())
	}
	if err := d.Failure(); !describe.IsConfigError(err) || lore.ErrorCode(err) != lore.EUNAUTHORIZED || strings.Contains(err.Error(), "wrong") {
		t.Errorf("failure = %v", err)
	}
}

func TestSlowProviderTimesOut(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	f := &fakeServer{AnswerFunc: func(int, map[string]any) (int, string) {
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		return 200, goodAnswer
	}}
	d := setup(t, f, Config{Timeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { close(release) }) // runs before the server closes: let the handler end
	start := time.Now()
	_, err := d.Describe(context.Background(), usersRequest())
	if lore.ErrorCode(err) != lore.EUNAVAILABLE || !strings.Contains(lore.ErrorMessage(err), "did not answer in time") {
		t.Errorf("err = %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{{}, {Model: "m", BaseURL: "ftp://x"}, {Model: "m", BaseURL: "localhost:11434"}} {
		if _, err := New(cfg); lore.ErrorCode(err) != lore.EINVALID {
			t.Errorf("New(%+v) err = %v", cfg, err)
		}
	}
}
