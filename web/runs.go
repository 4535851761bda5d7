package web

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/lorehq/lore"
)

// panelRows bounds the table rows the processing panel renders; failed and running tables come
// first, so what needs attention is always shown.
const panelRows = 200

// runPanel is the processing panel of a connection: its latest run, live while active.
type runPanel struct {
	ConnID int64
	Run    *lore.Run
	Rows   []runRow
	// Hidden counts the table rows left out (beyond panelRows).
	Hidden  int
	Active  bool
	Percent int
	ETA     string
	Admin   bool
	// Message reports the outcome of a retry or cancel that failed.
	Message string
}

// runRow is one table of a run with its job states.
type runRow struct {
	TableID int64
	Table   string
	Jobs    []lore.RunItem
	Failed  bool
	rank    int
}

// stateRank orders rows: failures first, then running, queued, cancelled, done.
var stateRank = map[string]int{lore.StatusFailed: 0, lore.StatusRunning: 1, lore.StatusQueued: 2, lore.StatusCancelled: 3, lore.StatusDone: 4}

// newRunPanel groups a run's items by table and computes progress.
func newRunPanel(connID int64, run *lore.Run, admin bool) *runPanel {
	p := &runPanel{ConnID: connID, Run: run, Admin: admin}
	if run == nil {
		return p
	}
	p.Active = run.Status == lore.StatusQueued || run.Status == lore.StatusRunning
	if c := run.Counts; c.Total > 0 {
		p.Percent = (c.Done + c.Failed + c.Cancelled) * 100 / c.Total
	} else if !p.Active {
		p.Percent = 100
	}
	if run.ETASeconds != nil && p.Active {
		p.ETA = formatETA(*run.ETASeconds)
	}
	byID := map[int64]*runRow{}
	var rows []*runRow
	for _, it := range run.Tables {
		row := byID[it.TableID]
		if row == nil {
			row = &runRow{TableID: it.TableID, Table: it.Table, rank: len(stateRank)}
			byID[it.TableID] = row
			rows = append(rows, row)
		}
		row.Jobs = append(row.Jobs, it)
		if rk, ok := stateRank[it.State]; ok && rk < row.rank {
			row.rank = rk
		}
		row.Failed = row.Failed || it.State == lore.StatusFailed
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].rank != rows[j].rank {
			return rows[i].rank < rows[j].rank
		}
		return rows[i].Table < rows[j].Table
	})
	for i, row := range rows {
		if i == panelRows {
			p.Hidden = len(rows) - panelRows
			break
		}
		sort.Slice(row.Jobs, func(a, b int) bool { return row.Jobs[a].Job > row.Jobs[b].Job }) // profile, describe
		p.Rows = append(p.Rows, *row)
	}
	return p
}

func formatETA(sec int) string {
	switch {
	case sec < 60:
		return fmt.Sprintf("%d s", sec)
	case sec < 3600:
		return fmt.Sprintf("%d min %d s", sec/60, sec%60)
	}
	return fmt.Sprintf("%d h %d min", sec/3600, sec%3600/60)
}

// latestPanel builds the panel of a connection's newest run (an empty panel when none).
func (s *Server) latestPanel(r *http.Request, connID int64) (*runPanel, error) {
	u := userFrom(r.Context())
	run, err := s.catalog.LatestRun(r.Context(), connID)
	if lore.ErrorCode(err) == lore.ENOTFOUND {
		return newRunPanel(connID, nil, u.IsAdmin()), nil
	} else if err != nil {
		return nil, err
	}
	return newRunPanel(connID, run, u.IsAdmin()), nil
}

// runPanelPartial answers the panel fragment that htmx polls while a run is active.
func (s *Server) runPanelPartial(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "connection")
	if err != nil {
		return err
	}
	p, err := s.latestPanel(r, id)
	if err != nil {
		return err
	}
	s.renderFragment(w, http.StatusOK, "run_panel", p)
	return nil
}

// runAction retries or cancels from the panel's forms, then answers the fresh panel (htmx) or
// goes back to the Metadata tab.
func (s *Server) runAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "run")
	if err != nil {
		return err
	}
	run, err := s.catalog.GetRun(r.Context(), id)
	if err != nil {
		return err
	}
	u := userFrom(r.Context())
	switch r.PathValue("action") {
	case "cancel", "retry":
	default:
		return lore.Errorf(lore.ENOTFOUND, "No run action %q: use retry or cancel.", r.PathValue("action"))
	}
	if r.PathValue("action") == "cancel" {
		err = s.catalog.CancelRun(r.Context(), u, id)
	} else {
		tableID, _ := strconv.ParseInt(r.FormValue("table_id"), 10, 64)
		err = s.catalog.RetryRun(r.Context(), u, id, tableID, r.FormValue("job"))
	}
	if !isHTMX(r) {
		if err != nil {
			return err
		}
		redirect(w, r, fmt.Sprintf("/connections/%d/metadata", run.ConnectionID))
		return nil
	}
	p, perr := s.latestPanel(r, run.ConnectionID)
	if perr != nil {
		return perr
	}
	if err != nil {
		_, _, p.Message = errorInfo(err)
	}
	s.renderFragment(w, http.StatusOK, "run_panel", p)
	return nil
}

// runRetryInput is the body of POST /api/v1/runs/{id}/retry; empty retries every failed item.
type runRetryInput struct {
	TableID int64  `json:"table_id"`
	Job     string `json:"job"`
}

func (s *Server) apiRun(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "run")
	if err != nil {
		return err
	}
	run, err := s.catalog.GetRun(r.Context(), id)
	if err != nil {
		return err
	}
	if run.Tables == nil {
		run.Tables = []lore.RunItem{}
	}
	writeJSON(w, http.StatusOK, run)
	return nil
}

func (s *Server) apiRunRetry(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "run")
	if err != nil {
		return err
	}
	var in runRetryInput
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	if err := s.catalog.RetryRun(r.Context(), userFrom(r.Context()), id, in.TableID, in.Job); err != nil {
		return err
	}
	return s.apiRun(w, r)
}

func (s *Server) apiRunCancel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "run")
	if err != nil {
		return err
	}
	if err := s.catalog.CancelRun(r.Context(), userFrom(r.Context()), id); err != nil {
		return err
	}
	return s.apiRun(w, r)
}
