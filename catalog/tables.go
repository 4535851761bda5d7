package catalog

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"database/sql"
	"github.com/lorehq/lore"

	"github.com/lorehq/lore/describe"
	"github.com/lorehq/lore/store"
)

// ListTables returns a connection's processed tables (without columns).
func (s *Service) ListTables(ctx context.Context, connID int64, search string, limit, offset int) ([]*lore.Table, error) {
	if _, err := s.Store.FindConnection(ctx, connID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	ts, err := s.Store.ListTables(ctx, store.TableFilter{ConnectionID: connID, Search: search, Limit: limit, Offset: max(offset, 0)})
	if ts == nil && err == nil {
		ts = []*lore.Table{}
	}
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	descs, err := s.Store.TableDescriptions(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		t.Columns = []lore.Column{}
		t.Description = resolve(descs[t.ID])
		t.Description.Sources = nil
	}
	return ts, nil
}

// GetTable returns a stored table with its columns, shown descriptions (with their source and
// every candidate) and profile.
func (s *Service) GetTable(ctx context.Context, id int64) (*lore.Table, error) {
	t, err := s.Store.FindTable(ctx, id)
	if err != nil {
		return nil, err
	}
	t.Description = resolve(t.Description.Sources)
	for i := range t.Columns {
		t.Columns[i].Description = resolve(t.Columns[i].Description.Sources)
	}
	p, err := s.tableProfile(ctx, id)
	if err != nil {
		s.Logger.Warn("open profile", "table", id, "err", err)
	}
	if p != nil {
		t.RowCount = p.RowCount
		at := p.ProfiledAt
		t.ProfiledAt = &at
		t.ProfileNote = p.SkipReason
		for i := range t.Columns {
			if cp, ok := p.Columns[t.Columns[i].Name]; ok {
				cp := cp
				t.Columns[i].Profile = &cp
			}
		}
	}
	if t.Columns == nil {
		t.Columns = []lore.Column{}
	}
	if t.PrimaryKey == nil {
		t.PrimaryKey = []string{}
	}
	if t.ForeignKeys == nil {
		t.ForeignKeys = []lore.ForeignKey{}
	}
	return t, nil
}

func toCandidates(cs []lore.DescriptionCandidate) []describe.Candidate {
	out := make([]describe.Candidate, len(cs))
	for i, c := range cs {
		out[i] = describe.Candidate{Text: c.Text, Source: c.Source, Provider: c.Provider, Model: c.Model, UpdatedAt: c.UpdatedAt, Stale: c.Stale}
	}
	return out
}

// resolve applies the precedence human > dbt > comment > AI > heuristic to the candidates.
func resolve(cs []lore.DescriptionCandidate) lore.Description {
	sort.SliceStable(cs, func(i, j int) bool { return describe.Rank(cs[i].Source) > describe.Rank(cs[j].Source) })
	d := lore.Description{Sources: cs}
	best, ok := describe.Pick(toCandidates(cs))
	if !ok {
		return d
	}
	at := best.UpdatedAt
	d.Text, d.Source, d.Model, d.UpdatedAt, d.Stale = best.Text, best.Source, best.Model, &at, best.Stale
	for _, c := range cs {
		if c.Source == best.Source {
			d.Draft = c.Source == lore.SourceAI && !c.Accepted
		}
	}
	return d
}

func (s *Service) checkColumn(ctx context.Context, tableID int64, column string) (*lore.Table, error) {
	t, err := s.Store.FindTable(ctx, tableID)
	if err != nil {
		return nil, err
	}
	if column == "" || column == "*" {
		return t, nil
	}
	for _, c := range t.Columns {
		if c.Name == column {
			return t, nil
		}
	}
	return nil, lore.Errorf(lore.EINVALID, "Table %s has no column %q.", t.Ref(), column)
}

// EditDescription stores a human description of a table (column "") or column; it locks the
// field against every other source. Empty text clears the field on purpose.
func (s *Service) EditDescription(ctx context.Context, u *lore.User, tableID int64, column, text string) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	if len(text) > 4000 {
		return lore.Errorf(lore.EINVALID, "A description is at most 4000 characters.")
	}
	t, err := s.checkColumn(ctx, tableID, column)
	if err != nil {
		return err
	}
	if err := s.Store.PutDescriptions(ctx, tableID, []store.DescriptionWrite{{Column: column,
		Candidate: lore.DescriptionCandidate{Text: text, Source: lore.SourceHuman, Provider: u.Email, UpdatedAt: s.Now().UTC()}}}); err != nil {
		return err
	}
	s.audit(ctx, u, "description.edit", fmt.Sprintf("%s %s", t.Ref(), column), "")
	return nil
}

// AcceptDraft marks AI text of a column (or "*": every column and the table) as accepted.
func (s *Service) AcceptDraft(ctx context.Context, u *lore.User, tableID int64, column string) error {
	return s.reviewDraft(ctx, u, tableID, column, true)
}

// RejectDraft deletes AI text of a column (or "*": all of the table's); the next source down
// shows instead.
func (s *Service) RejectDraft(ctx context.Context, u *lore.User, tableID int64, column string) error {
	return s.reviewDraft(ctx, u, tableID, column, false)
}

func (s *Service) reviewDraft(ctx context.Context, u *lore.User, tableID int64, column string, accept bool) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	t, err := s.checkColumn(ctx, tableID, column)
	if err != nil {
		return err
	}
	cands, err := s.Store.Descriptions(ctx, tableID)
	if err != nil {
		return err
	}
	var ws []store.DescriptionWrite
	for col, cs := range cands {
		if column != "*" && col != column {
			continue
		}
		for _, c := range cs {
			if c.Source != lore.SourceAI {
				continue
			}
			if accept {
				c.Accepted = true
				ws = append(ws, store.DescriptionWrite{Column: col, Candidate: c})
			} else if err := s.Store.DeleteDescription(ctx, tableID, col, lore.SourceAI); err != nil {
				return err
			}
		}
	}
	if accept {
		if err := s.Store.PutDescriptions(ctx, tableID, ws); err != nil {
			return err
		}
	}
	action := "description.reject"
	if accept {
		action = "description.accept"
	}
	s.audit(ctx, u, action, fmt.Sprintf("%s %s", t.Ref(), column), "")
	return nil
}

// Regenerate queues the describe job of one table again, rewriting AI text (never human, dbt or
// comment text).
func (s *Service) Regenerate(ctx context.Context, u *lore.User, tableID int64) (*lore.Run, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	t, err := s.Store.FindTable(ctx, tableID)
	if err != nil {
		return nil, err
	}
	if t.Removed {
		return nil, lore.Errorf(lore.EINVALID, "Table %s was removed from the warehouse or the selection.", t.Ref())
	}
	r := &lore.Run{ConnectionID: t.ConnectionID, Kind: "regenerate", CreatedBy: u.Email, Status: lore.StatusRunning}
	if err := s.Store.CreateRun(ctx, r, nil); err != nil {
		return nil, err
	}
	items := []store.RunItemKey{{TableID: tableID, Job: lore.JobDescribe}}
	if err := s.Store.AddRunItems(ctx, r.ID, &lore.Diff{Added: []string{}, Removed: []string{}, Changed: []lore.TableChange{}}, items, func(tx *sql.Tx) error {
		return s.insertTableJobs(ctx, tx, r.ID, items, true)
	}); err != nil {
		return nil, err
	}
	s.audit(ctx, u, "description.regenerate", t.Ref().String(), "")
	return s.Store.FindRun(ctx, r.ID, true)
}

// SetNoSample switches sampling of one column off or on; the stored samples of a column switched
// off are dropped at the next profile.
func (s *Service) SetNoSample(ctx context.Context, u *lore.User, tableID int64, column string, on bool) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	if err := s.Store.SetNoSample(ctx, tableID, column, on); err != nil {
		return err
	}
	if on {
		// Forget samples already taken for the column.
		if p, err := s.tableProfile(ctx, tableID); err == nil && p != nil {
			if cp, ok := p.Columns[column]; ok {
				cp.Samples, cp.Min, cp.Max = nil, nil, nil
				cp.SkipReason = "sampling switched off for this column"
				p.Columns[column] = cp
				if err := s.putProfile(ctx, tableID, *p); err != nil {
					return err
				}
			}
		}
	}
	s.audit(ctx, u, "column.no_sample", fmt.Sprintf("table %d %s", tableID, column), fmt.Sprintf("%t", on))
	return nil
}
