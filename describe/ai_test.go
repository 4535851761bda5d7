package describe

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lorehq/lore"
)

// fakeModel is a Model whose answers come from CompleteFunc.
type fakeModel struct {
	CompleteFunc func(p Prompt) (Completion, error)
	mu           sync.Mutex
	prompts      []Prompt
}

func (m *fakeModel) Complete(_ lore.Context, p Prompt) (Completion, error) {
	m.mu.Lock()
	m.prompts = append(m.prompts, p)
	m.mu.Unlock()
	return m.CompleteFunc(p)
}
func (m *fakeModel) Provider() string { return "fake" }
func (m *fakeModel) Model() string    { return "fake-1" }

// wanted returns the column names a prompt asks for.
func wanted(t *testing.T, p Prompt) []string {
	t.Helper()
	var body promptBody
	if err := json.Unmarshal([]byte(p.User[strings.IndexByte(p.User, '{'):]), &body); err != nil {
		t.Fatalf("prompt user message is not JSON after its first line: %v", err)
	}
	var out []string
	for _, c := range body.Wanted {
		out = append(out, c.Name)
	}
	return out
}

// answerAll describes every wanted column as "about <name>".
func answerAll(t *testing.T, p Prompt, skip map[string]bool, extra ...string) Completion {
	cols := map[string]string{}
	for _, n := range wanted(t, p) {
		if !skip[n] {
			cols[n] = "about " + n
		}
	}
	for _, e := range extra {
		cols[e] = "invented"
	}
	js, _ := json.Marshal(map[string]any{"table": "a table", "columns": cols})
	return Completion{Text: string(js), InputTokens: 100, OutputTokens: 10}
}

func wideRequest(n int) Request {
	req := Request{Table: lore.TableMeta{Ref: lore.TableRef{Database: "dev", Schema: "s", Name: "wide"}, RowEstimate: -1}}
	for i := range n {
		name := fmt.Sprintf("col_%03d", i)
		req.Table.Columns = append(req.Table.Columns, lore.ColumnMeta{Name: name, Type: "integer"})
		req.Columns = append(req.Columns, ColumnInput{Name: name, Type: "integer"})
	}
	return req
}

func TestAIChunksWideTables(t *testing.T) {
	t.Parallel()
	m := &fakeModel{}
	m.CompleteFunc = func(p Prompt) (Completion, error) { return answerAll(t, p, nil), nil }
	req := wideRequest(320)
	req.Columns[5].Description = "from dbt" // described already: context, not asked
	res, err := NewAI(m, AIOptions{}).Describe(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.prompts) != 3 {
		t.Fatalf("requests = %d, want 3 chunks of at most 150 columns", len(m.prompts))
	}
	if n := len(wanted(t, m.prompts[0])); n != 150 {
		t.Errorf("first chunk asks for %d columns, want 150", n)
	}
	if !strings.Contains(m.prompts[0].User, `"describe_table": true`) || strings.Contains(m.prompts[1].User, `"describe_table": true`) {
		t.Error("only the first chunk should ask for the table description")
	}
	if len(res.Columns) != 319 || res.Columns["col_005"] != "" || res.Columns["col_319"] != "about col_319" {
		t.Errorf("columns = %d (col_005 %q)", len(res.Columns), res.Columns["col_005"])
	}
	if res.Usage.InputTokens != 300 || res.Usage.Requests != 3 || res.Source != SourceAI || res.Model != "fake-1" {
		t.Errorf("result = %+v", res.Usage)
	}
}

func TestAIRetriesBadAndPartialAnswers(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	m := &fakeModel{}
	m.CompleteFunc = func(p Prompt) (Completion, error) {
		switch calls.Add(1) {
		case 1:
			return Completion{Text: "Sure! Here are descriptions: col_000 is a number"}, nil
		case 2:
			// Partial, with an invented column, in a code fence.
			c := answerAll(t, p, map[string]bool{"col_002": true}, "no_such_column")
			c.Text = "```json\n" + c.Text + "\n```"
			return c, nil
		default:
			if w := wanted(t, p); len(w) != 1 || w[0] != "col_002" {
				t.Errorf("retry asks for %v, want only the missing col_002", w)
			}
			if !strings.Contains(p.User, "left out these columns: col_002") {
				t.Error("retry does not say what was wrong")
			}
			return answerAll(t, p, nil), nil
		}
	}
	res, err := NewAI(m, AIOptions{Attempts: 3}).Describe(context.Background(), wideRequest(3))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Columns) != 3 || len(res.Missing) != 0 {
		t.Errorf("columns %v, missing %v", res.Columns, res.Missing)
	}
	if len(res.Dropped) != 1 || res.Dropped[0] != "no_such_column" {
		t.Errorf("dropped = %v", res.Dropped)
	}
	if !strings.Contains(m.prompts[1].User, "not the JSON object asked for") {
		t.Error("second prompt does not tell the model its answer was not JSON")
	}
}

func TestAIReportsMissingAfterRetry(t *testing.T) {
	t.Parallel()
	m := &fakeModel{}
	m.CompleteFunc = func(p Prompt) (Completion, error) { return answerAll(t, p, map[string]bool{"col_001": true}), nil }
	res, err := NewAI(m, AIOptions{}).Describe(context.Background(), wideRequest(2))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.prompts) != 2 || len(res.Missing) != 1 || res.Missing[0] != "col_001" {
		t.Errorf("requests %d, missing %v; want 2 and [col_001]", len(m.prompts), res.Missing)
	}
}

func TestAIInvalidJSONTwiceIsAnError(t *testing.T) {
	t.Parallel()
	m := &fakeModel{CompleteFunc: func(Prompt) (Completion, error) { return Completion{Text: `{"table": 1,`}, nil }}
	_, err := NewAI(m, AIOptions{}).Describe(context.Background(), wideRequest(2))
	if lore.ErrorCode(err) != lore.EINVALID || IsConfigError(err) {
		t.Fatalf("err = %v (code %s), want EINVALID and not a config error", err, lore.ErrorCode(err))
	}
	if len(m.prompts) != 2 {
		t.Errorf("requests = %d, want 2", len(m.prompts))
	}
}

func TestAIProviderErrorsPassThrough(t *testing.T) {
	t.Parallel()
	m := &fakeModel{CompleteFunc: func(Prompt) (Completion, error) {
		return Completion{}, ClassifyStatus("fake", "fake-1", 401, nil)
	}}
	_, err := NewAI(m, AIOptions{}).Describe(context.Background(), wideRequest(2))
	if !IsConfigError(err) || lore.ErrorCode(err) != lore.EUNAUTHORIZED {
		t.Fatalf("err = %v, want a config error", err)
	}
	if !strings.Contains(lore.ErrorMessage(err), "API key") {
		t.Errorf("message = %q", lore.ErrorMessage(err))
	}
	if len(m.prompts) != 1 {
		t.Errorf("requests = %d, want 1: an auth failure is not retried", len(m.prompts))
	}
}

func TestAIConcurrencyLimit(t *testing.T) {
	t.Parallel()
	var inFlight, peak atomic.Int32
	m := &fakeModel{}
	m.CompleteFunc = func(p Prompt) (Completion, error) {
		n := inFlight.Add(1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		inFlight.Add(-1)
		return answerAll(t, p, nil), nil
	}
	d := NewAI(m, AIOptions{MaxConcurrency: 2})
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if _, err := d.Describe(context.Background(), wideRequest(1)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if peak.Load() != 2 {
		t.Errorf("peak concurrency = %d, want 2", peak.Load())
	}
}

func TestAISkipsWhenNothingIsMissing(t *testing.T) {
	t.Parallel()
	m := &fakeModel{CompleteFunc: func(Prompt) (Completion, error) { t.Error("model called"); return Completion{}, nil }}
	req := wideRequest(1)
	req.Columns[0].Description = "known"
	req.SkipTable = true
	if _, err := NewAI(m, AIOptions{}).Describe(context.Background(), req); err != nil {
		t.Fatal(err)
	}
}
