package describe

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lorehq/lore"
)

// AIOptions tune NewAI. Zero values take the defaults.
type AIOptions struct {
	// ChunkSize is the most columns asked for in one request (default 150); wider tables
	// take one request per chunk.
	ChunkSize int
	// MaxConcurrency is the most requests in flight at once across all tables (default 4).
	MaxConcurrency int
	// Attempts is how many times one chunk is asked when the answer is not valid JSON or
	// leaves columns out (default 2: one retry).
	Attempts int
}

// NewAI returns a Describer that asks m for descriptions: one request per table with every
// column that lacks a description (ColumnInput.Description empty), in chunks for very wide
// tables, validating the JSON answer and asking again once when it is invalid or partial.
func NewAI(m Model, opt AIOptions) Describer {
	if opt.ChunkSize <= 0 {
		opt.ChunkSize = 150
	}
	if opt.MaxConcurrency <= 0 {
		opt.MaxConcurrency = 4
	}
	if opt.Attempts <= 0 {
		opt.Attempts = 2
	}
	return &aiDescriber{m: m, opt: opt, sem: make(chan struct{}, opt.MaxConcurrency)}
}

type aiDescriber struct {
	m   Model
	opt AIOptions
	sem chan struct{}
}

// Name returns the provider name.
func (d *aiDescriber) Name() string { return d.m.Provider() }

// Describe asks the model. See NewAI.
func (d *aiDescriber) Describe(ctx lore.Context, req Request) (Result, error) {
	res := Result{Columns: map[string]string{}, Source: SourceAI, Provider: d.m.Provider(), Model: d.m.Model()}
	var pending []string
	for _, c := range req.Columns {
		if strings.TrimSpace(c.Description) == "" {
			pending = append(pending, c.Name)
		}
	}
	askTable := !req.SkipTable
	if len(pending) == 0 && !askTable {
		return res, nil
	}
	chunks := chunk(pending, d.opt.ChunkSize)
	var failed []error
	for i, want := range chunks {
		err := d.describeChunk(ctx, req, want, askTable && i == 0, &res)
		if err == nil {
			continue
		}
		if lore.ErrorCode(err) != lore.EINVALID {
			return Result{}, fmt.Errorf("describe %s: %w", req.Table.Ref, err)
		}
		// An unusable answer for one chunk: keep the others, report its columns as missing.
		failed = append(failed, err)
		res.Missing = append(res.Missing, want...)
	}
	if len(failed) > 0 && len(res.Columns) == 0 && res.TableDescription == "" {
		return Result{}, fmt.Errorf("describe %s: %w", req.Table.Ref, failed[0])
	}
	sort.Strings(res.Dropped)
	return res, nil
}

// describeChunk asks for the columns in want (and the table when askTable) and merges the
// answer into res. It returns an EINVALID ProviderError when no attempt gave valid JSON.
func (d *aiDescriber) describeChunk(ctx lore.Context, req Request, want []string, askTable bool, res *Result) error {
	known := make(map[string]string, len(req.Columns)) // lower-case name → request name
	for _, c := range req.Columns {
		known[strings.ToLower(c.Name)] = c.Name
	}
	for _, c := range req.Table.Columns {
		if _, ok := known[strings.ToLower(c.Name)]; !ok {
			known[strings.ToLower(c.Name)] = ""
		}
	}
	remaining := append([]string(nil), want...)
	note, parsed := "", false
	for attempt := 0; attempt < d.opt.Attempts && (len(remaining) > 0 || askTable); attempt++ {
		c, err := d.complete(ctx, BuildPrompt(req, remaining, askTable, note))
		if err != nil {
			return err
		}
		res.Usage.InputTokens += c.InputTokens
		res.Usage.OutputTokens += c.OutputTokens
		res.Usage.Requests++
		a, err := parseAnswer(c.Text)
		if err != nil {
			note = "it was not the JSON object asked for (" + err.Error() + "). Answer with the JSON object only."
			if c.Truncated {
				note = "it was cut off at the output limit. Keep every description shorter."
			}
			continue
		}
		parsed = true
		if t := cleanText(a.Table); askTable && t != "" {
			res.TableDescription, askTable = t, false
		}
		asked := make(map[string]bool, len(remaining))
		for _, r := range remaining {
			asked[r] = true
		}
		for name, text := range a.Columns {
			orig, exists := known[strings.ToLower(strings.TrimSpace(name))]
			switch {
			case !exists:
				res.Dropped = appendUnique(res.Dropped, name)
			case asked[orig] && cleanText(text) != "":
				res.Columns[orig] = cleanText(text)
				delete(asked, orig)
			}
		}
		remaining = remaining[:0]
		for _, w := range want {
			if asked[w] {
				remaining = append(remaining, w)
			}
		}
		if len(remaining) > 0 {
			note = "it left out these columns: " + strings.Join(remaining, ", ") + "."
		}
	}
	if !parsed {
		return ProviderErr(d.m.Provider(), lore.EINVALID, nil,
			"The model %s did not answer with the JSON Lore asked for, %d times; retry the table, or choose a model that follows instructions better", d.m.Model(), d.opt.Attempts)
	}
	res.Missing = append(res.Missing, remaining...)
	return nil
}

// complete sends one prompt, waiting for a free slot under the concurrency limit.
func (d *aiDescriber) complete(ctx lore.Context, p Prompt) (Completion, error) {
	select {
	case d.sem <- struct{}{}:
	case <-ctx.Done():
		return Completion{}, ClassifyTransport(d.m.Provider(), ctx.Err())
	}
	defer func() { <-d.sem }()
	return d.m.Complete(ctx, p)
}

func chunk(names []string, size int) [][]string {
	if len(names) == 0 {
		return [][]string{nil}
	}
	var out [][]string
	for len(names) > size {
		out = append(out, names[:size])
		names = names[size:]
	}
	return append(out, names)
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
