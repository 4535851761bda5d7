package catalog

import (
	"context"
	"sort"
	"strings"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/store"
	"github.com/lorehq/lore/warehouse"
)

// SelectionResult is the outcome of PutSelection. When NeedsConfirm is true nothing was saved:
// WouldRemove lists the processed tables whose metadata, profiles and descriptions saving would
// delete; call again with confirm.
type SelectionResult struct {
	Selection    lore.Selection `json:"selection"`
	Tables       int            `json:"tables_selected"`
	NeedsConfirm bool           `json:"needs_confirm"`
	WouldRemove  []string       `json:"would_remove,omitempty"`
	Removed      []string       `json:"removed,omitempty"`
}

// GetSelection returns a connection's selection.
func (s *Service) GetSelection(ctx context.Context, connID int64) (lore.Selection, error) {
	if _, err := s.Store.FindConnection(ctx, connID); err != nil {
		return lore.Selection{}, err
	}
	return s.Store.FindSelection(ctx, connID)
}

func selects(sel lore.Selection, ref lore.TableRef) bool {
	for _, it := range sel.Include {
		if it.Database == ref.Database && it.Schema == ref.Schema && (it.Table == "" || it.Table == ref.Name) {
			return true
		}
	}
	return false
}

// toWarehouse converts a selection for the connector.
func toWarehouse(sel lore.Selection) warehouse.Selection {
	out := make(warehouse.Selection, 0, len(sel.Include))
	for _, it := range sel.Include {
		out = append(out, warehouse.SelectionItem{Database: it.Database, Schema: it.Schema, Table: it.Table})
	}
	return out
}

// PutSelection validates and saves a selection. Whole schemas without future tables are
// expanded to their current tables; named tables must exist in the warehouse. Processed tables
// that the new selection leaves out lose their metadata only with confirm.
func (s *Service) PutSelection(ctx context.Context, u *lore.User, connID int64, sel lore.Selection, confirm bool) (*SelectionResult, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	conn, err := s.warehouse(ctx, connID)
	if err != nil {
		return nil, err
	}
	clean, err := s.expandSelection(ctx, conn, sel)
	if err != nil {
		return nil, err
	}
	stored, err := s.Store.ListTables(ctx, store.TableFilter{ConnectionID: connID})
	if err != nil {
		return nil, err
	}
	res := &SelectionResult{Selection: clean, Tables: countTables(clean)}
	var removeIDs []int64
	for _, t := range stored {
		if !selects(clean, t.Ref()) {
			removeIDs = append(removeIDs, t.ID)
			res.WouldRemove = append(res.WouldRemove, t.Ref().String())
		}
	}
	if len(removeIDs) > 0 && !confirm {
		res.NeedsConfirm = true
		return res, nil
	}
	if err := s.Store.SaveSelection(ctx, connID, clean, removeIDs); err != nil {
		return nil, err
	}
	res.Removed, res.WouldRemove = res.WouldRemove, nil
	s.audit(ctx, u, "selection.save", connTarget(connID), strings.Join(summary(clean), "; "))
	return res, nil
}

func countTables(sel lore.Selection) int {
	n := 0
	for _, it := range sel.Include {
		if it.Table != "" {
			n++
		}
	}
	return n
}

func summary(sel lore.Selection) []string {
	var out []string
	for _, it := range sel.Include {
		if it.Table == "" {
			out = append(out, it.Database+"."+it.Schema+".* (future tables)")
		}
	}
	if n := countTables(sel); n > 0 {
		out = append(out, itoa(n)+" tables")
	}
	return out
}

// expandSelection checks names against the warehouse and expands whole schemas that do not
// follow future tables.
func (s *Service) expandSelection(ctx context.Context, conn warehouse.Conn, sel lore.Selection) (lore.Selection, error) {
	type key struct{ db, schema string }
	whole := map[key]bool{}
	named := map[key][]string{}
	var order []key
	for _, it := range sel.Include {
		it.Database, it.Schema, it.Table = strings.TrimSpace(it.Database), strings.TrimSpace(it.Schema), strings.TrimSpace(it.Table)
		if it.Database == "" || it.Schema == "" {
			return lore.Selection{}, lore.Errorf(lore.EINVALID, "Every selected item needs a database and a schema.")
		}
		k := key{it.Database, it.Schema}
		if _, seen := whole[k]; !seen && named[k] == nil {
			order = append(order, k)
		}
		if it.Table == "" {
			whole[k] = whole[k] || it.FutureTables
			if !it.FutureTables {
				named[k] = append(named[k], "*")
			}
		} else {
			if _, ok := whole[k]; !ok {
				whole[k] = false
			}
			named[k] = append(named[k], it.Table)
		}
	}
	out := lore.Selection{Include: []lore.SelectionItem{}}
	for _, k := range order {
		if whole[k] {
			out.Include = append(out.Include, lore.SelectionItem{Database: k.db, Schema: k.schema, FutureTables: true})
			continue
		}
		existing, err := listAll(ctx, conn, k.db, k.schema)
		if err != nil {
			return lore.Selection{}, err
		}
		want := map[string]bool{}
		all := false
		for _, n := range named[k] {
			if n == "*" {
				all = true
			} else {
				want[n] = true
			}
		}
		var missing []string
		for n := range want {
			if !existing[n] {
				missing = append(missing, k.db+"."+k.schema+"."+n)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return lore.Selection{}, lore.Errorf(lore.EINVALID, "These tables do not exist in the warehouse (any more): %s. Refresh the tree and select again.", strings.Join(missing, ", "))
		}
		var names []string
		for n := range existing {
			if all || want[n] {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			out.Include = append(out.Include, lore.SelectionItem{Database: k.db, Schema: k.schema, Table: n})
		}
	}
	return out, nil
}

// listAll returns every table name of a schema, paging through the connector.
func listAll(ctx context.Context, conn warehouse.Conn, db, schema string) (map[string]bool, error) {
	out := map[string]bool{}
	p := warehouse.PageRequest{Limit: warehouse.MaxPageLimit}
	for {
		page, err := conn.Tables(ctx, db, schema, p)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Items {
			out[e.Name] = true
		}
		if page.Next == "" {
			return out, nil
		}
		p.After = page.Next
	}
}
