package catalog

import (
	"context"
	"strings"

	"github.com/riverqueue/river"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/describe"
	"github.com/lorehq/lore/jobs"
	"github.com/lorehq/lore/store"
)

// DescribeWorker works describe jobs.
type DescribeWorker struct {
	river.WorkerDefaults[jobs.DescribeArgs]
	Service *Service
}

// Work writes AI (or heuristic) descriptions for the columns of one table that have no
// description from a higher source, in one request per table.
func (w *DescribeWorker) Work(ctx context.Context, job *river.Job[jobs.DescribeArgs]) error {
	s := w.Service
	return s.runTableJob(ctx, job.JobRow, job.Args.RunID, job.Args.TableID, lore.JobDescribe, func(ctx context.Context, t *lore.Table, c *lore.Connection) error {
		return s.describeTable(ctx, job.Args.RunID, t, job.Args.Regenerate)
	})
}

func (s *Service) describeTable(ctx context.Context, runID int64, t *lore.Table, regenerate bool) error {
	d, err := s.describer(ctx)
	if err != nil {
		return err
	}
	source := lore.SourceAI
	if d.Name() == "heuristic" {
		source = lore.SourceHeuristic
	}
	prof, _ := s.tableProfile(ctx, t.ID)
	needs := func(cands []lore.DescriptionCandidate) bool {
		if regenerate {
			best, ok := describe.Pick(toCandidates(cands))
			return !ok || describe.Rank(best.Source) <= describe.Rank(lore.SourceAI)
		}
		return describe.Needs(toCandidates(cands), source)
	}
	req := describe.Request{Table: tableMeta(t)}
	tableDesc := resolve(t.Description.Sources)
	req.TableDescription = tableDesc.Text
	req.SkipTable = !needs(t.Description.Sources)
	fkTarget := map[string]lore.TableRef{}
	for _, fk := range t.ForeignKeys {
		if len(fk.Columns) == 1 {
			fkTarget[fk.Columns[0]] = fk.Ref
		}
	}
	for _, c := range t.Columns {
		if !needs(c.Description.Sources) {
			continue
		}
		in := describe.ColumnInput{Name: c.Name, Type: c.Type, PrimaryKey: c.PrimaryKey, Description: resolve(c.Description.Sources).Text}
		if regenerate {
			in.Description = ""
		}
		if ref, ok := fkTarget[c.Name]; ok {
			ref := ref
			in.References = &ref
		}
		if prof != nil {
			if cp, ok := prof.Columns[c.Name]; ok && !c.NoSample {
				cp := cp
				cp.Samples = describe.SafeSamples(c.Name, &cp)
				in.Profile = &cp
			}
		}
		req.Columns = append(req.Columns, in)
	}
	if prof != nil {
		req.RowCount = prof.RowCount
	}
	if len(req.Columns) == 0 && req.SkipTable {
		return nil // everything is described by a higher source
	}
	req.Neighbours = s.neighbours(ctx, t)
	res, err := d.Describe(ctx, req)
	if err != nil {
		return err
	}
	if res.Usage.InputTokens+res.Usage.OutputTokens > 0 {
		_ = s.Store.AddRunTokens(ctx, runID, res.Usage.InputTokens, res.Usage.OutputTokens)
		s.Metrics.AITokens(res.Provider, res.Usage.InputTokens, res.Usage.OutputTokens)
	}
	now := s.Now().UTC()
	src := res.Source
	if src == "" {
		src = source
	}
	mk := func(text string) lore.DescriptionCandidate {
		return lore.DescriptionCandidate{Text: text, Source: src, Provider: res.Provider, Model: res.Model, UpdatedAt: now}
	}
	var ws []store.DescriptionWrite
	if res.TableDescription != "" && !req.SkipTable {
		ws = append(ws, store.DescriptionWrite{Candidate: mk(res.TableDescription)})
	}
	for name, text := range res.Columns {
		if strings.TrimSpace(text) != "" {
			ws = append(ws, store.DescriptionWrite{Column: name, Candidate: mk(text)})
		}
	}
	if err := s.Store.PutDescriptions(ctx, t.ID, ws); err != nil {
		return err
	}
	if res.FallbackReason != "" {
		s.Logger.Warn("AI provider rejected; heuristic descriptions used", "table", t.Ref().String(), "reason", res.FallbackReason)
	}
	if len(res.Missing) > 0 {
		return lore.Errorf(lore.EUNAVAILABLE, "The AI provider left out %d column(s): %s.", len(res.Missing), strings.Join(res.Missing, ", "))
	}
	return nil
}

// neighbours returns the shown descriptions of tables linked by foreign keys and of a few tables
// in the same schema, as context for the describer.
func (s *Service) neighbours(ctx context.Context, t *lore.Table) []describe.NeighbourTable {
	var out []describe.NeighbourTable
	seen := map[lore.TableRef]bool{t.Ref(): true}
	for _, fk := range t.ForeignKeys {
		if seen[fk.Ref] {
			continue
		}
		seen[fk.Ref] = true
		n := describe.NeighbourTable{Ref: fk.Ref}
		if other, err := s.Store.FindTableByRef(ctx, t.ConnectionID, fk.Ref); err == nil {
			n.Description = resolve(other.Description.Sources).Text
		}
		out = append(out, n)
	}
	if len(out) > 10 {
		out = out[:10]
	}
	return out
}
