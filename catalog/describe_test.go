package catalog_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/describe"
	"github.com/lorehq/lore/internal/testpg"
)

// fakeAI is an AI describer that answers every requested column and counts requests per table.
type fakeAI struct {
	mu       sync.Mutex
	requests map[string]int
}

func (f *fakeAI) Name() string { return "fake" }

func (f *fakeAI) Describe(_ lore.Context, req describe.Request) (describe.Result, error) {
	f.mu.Lock()
	f.requests[req.Table.Ref.Name]++
	f.mu.Unlock()
	res := describe.Result{Source: lore.SourceAI, Provider: "fake", Model: "fake-1", Columns: map[string]string{}}
	if !req.SkipTable {
		res.TableDescription = "AI text for " + req.Table.Ref.Name
	}
	for _, c := range req.Columns {
		if c.Description == "" {
			res.Columns[c.Name] = "AI text for " + c.Name
		}
	}
	return res, nil
}

// TestDescriptionsFollowPrecedence loads the TICKIT dbt manifest, processes TICKIT with a fake AI
// provider, and checks the sources: dbt where the manifest describes, AI elsewhere, one request
// per table; then a human edit survives Refresh, a re-upload of the manifest and a regenerate.
func TestDescriptionsFollowPrecedence(t *testing.T) {
	e := setup(t, false)
	ctx := context.Background()
	ai := &fakeAI{requests: map[string]int{}}
	e.svc.DescriberOverride = ai
	e.svc.JobKinds = []string{lore.JobDescribe}
	db := e.conn.Config["database"]
	if _, err := e.svc.PutSelection(ctx, e.admin, e.conn.ID, lore.Selection{Include: []lore.SelectionItem{{Database: db, Schema: "tickit", FutureTables: true}}}, false); err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile(filepath.Join(testpg.SharedDir(t), "testdata", "dbt", "tickit_redshift", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	run, err := e.svc.Process(ctx, e.admin, e.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r := waitRun(t, e.svc, run.ID); r.Status != lore.StatusDone {
		t.Fatalf("run %s: %+v", r.Status, r.Tables)
	}
	report, err := e.svc.UploadDBT(ctx, e.admin, e.conn.ID, manifest, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Matched) != 7 {
		t.Fatalf("dbt matched %d tables, want the 7 TICKIT tables: %+v", len(report.Matched), report)
	}
	sales := findTable(t, e.svc, e.conn.ID, "sales")
	if sales.Description.Source != lore.SourceDBT || sales.Description.Text != "Ticket sale transactions" {
		t.Fatalf("sales description: %+v", sales.Description)
	}
	qty := column(t, sales, "qtysold")
	if qty.Description.Source != lore.SourceAI || qty.Description.Model != "fake-1" || !qty.Description.Draft {
		t.Fatalf("qtysold description: %+v", qty.Description)
	}
	for name, n := range ai.requests {
		if n != 1 {
			t.Errorf("table %s got %d AI requests, want 1", name, n)
		}
	}
	if len(ai.requests) != 7 {
		t.Errorf("AI asked for %d tables, want 7", len(ai.requests))
	}

	// A human edit locks the field against Refresh, a new manifest and a regenerate.
	if err := e.svc.EditDescription(ctx, e.admin, sales.ID, "qtysold", "Tickets in the sale."); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.EditDescription(ctx, e.admin, sales.ID, "", "Sales, edited by a person."); err != nil {
		t.Fatal(err)
	}
	wh := openWarehouse(t, e.pgURL)
	if _, err := wh.Exec(`ALTER TABLE tickit.sales ADD COLUMN note varchar(10)`); err != nil {
		t.Fatal(err)
	}
	ref, err := e.svc.Refresh(ctx, e.admin, e.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitRun(t, e.svc, ref.ID)
	if _, err := e.svc.UploadDBT(ctx, e.admin, e.conn.ID, manifest, nil); err != nil {
		t.Fatal(err)
	}
	regen, err := e.svc.Regenerate(ctx, e.admin, sales.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitRun(t, e.svc, regen.ID)
	sales = findTable(t, e.svc, e.conn.ID, "sales")
	if d := column(t, sales, "qtysold").Description; d.Source != lore.SourceHuman || d.Text != "Tickets in the sale." {
		t.Fatalf("human column edit lost: %+v", d)
	}
	if sales.Description.Source != lore.SourceHuman || sales.Description.Text != "Sales, edited by a person." {
		t.Fatalf("human table edit lost: %+v", sales.Description)
	}
	if d := column(t, sales, "note").Description; d.Source != lore.SourceAI {
		t.Fatalf("new column after refresh: %+v", d)
	}
	// Rejecting an AI draft removes it; the heuristic or nothing shows instead, never a lie.
	if err := e.svc.RejectDraft(ctx, e.admin, sales.ID, "note"); err != nil {
		t.Fatal(err)
	}
	if d := column(t, findTable(t, e.svc, e.conn.ID, "sales"), "note").Description; d.Source == lore.SourceAI {
		t.Fatalf("rejected AI draft still shown: %+v", d)
	}
}

// TestLinkedDBTProjectIsReadAgainOnRefresh points a connection at a dbt target directory and
// checks that a later dbt run (a changed manifest) shows up at the next Refresh.
func TestLinkedDBTProjectIsReadAgainOnRefresh(t *testing.T) {
	e := setup(t, false)
	ctx := context.Background()
	e.svc.JobKinds = []string{}
	db := e.conn.Config["database"]
	if _, err := e.svc.PutSelection(ctx, e.admin, e.conn.ID, lore.Selection{Include: []lore.SelectionItem{{Database: db, Schema: "tickit", FutureTables: true}}}, false); err != nil {
		t.Fatal(err)
	}
	run, err := e.svc.Process(ctx, e.admin, e.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitRun(t, e.svc, run.ID)
	manifest, err := os.ReadFile(filepath.Join(testpg.SharedDir(t), "testdata", "dbt", "tickit_redshift", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	target := t.TempDir()
	if err := os.WriteFile(filepath.Join(target, "manifest.json"), manifest, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.LinkDBT(ctx, e.admin, e.conn.ID, "relative/target"); lore.ErrorCode(err) != lore.EINVALID {
		t.Fatalf("relative path: %v", err)
	}
	if _, err := e.svc.LinkDBT(ctx, e.admin, e.conn.ID, filepath.Join(target, "missing")); lore.ErrorCode(err) != lore.EINVALID {
		t.Fatalf("missing path: %v", err)
	}
	rep, err := e.svc.LinkDBT(ctx, e.admin, e.conn.ID, target)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Path != target || len(rep.Matched) != 7 {
		t.Fatalf("link report: %+v", rep)
	}
	if d := findTable(t, e.svc, e.conn.ID, "sales").Description; d.Source != lore.SourceDBT || d.Text != "Ticket sale transactions" {
		t.Fatalf("sales after link: %+v", d)
	}
	changed := bytes.Replace(manifest, []byte(`"Ticket sale transactions"`), []byte(`"Every ticket sold"`), 1)
	if bytes.Equal(changed, manifest) {
		t.Fatal("the manifest no longer holds the sales description")
	}
	if err := os.WriteFile(filepath.Join(target, "manifest.json"), changed, 0o600); err != nil {
		t.Fatal(err)
	}
	ref, err := e.svc.Refresh(ctx, e.admin, e.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitRun(t, e.svc, ref.ID)
	if d := findTable(t, e.svc, e.conn.ID, "sales").Description; d.Text != "Every ticket sold" {
		t.Fatalf("sales after refresh with a new manifest: %+v", d)
	}
}
