package catalog_test

import (
	"context"
	"testing"

	"github.com/lorehq/lore"
)

// TestSelectionFaults covers a selection naming tables that do not exist, and deselecting a
// processed table, which needs confirmation and then removes its metadata.
func TestSelectionFaults(t *testing.T) {
	e := setup(t, false)
	ctx := context.Background()
	db := e.conn.Config["database"]
	_, err := e.svc.PutSelection(ctx, e.admin, e.conn.ID, lore.Selection{Include: []lore.SelectionItem{{Database: db, Schema: "tickit", Table: "nosuchtable"}}}, false)
	if lore.ErrorCode(err) != lore.EINVALID {
		t.Fatalf("unknown table: %v", err)
	}
	two := lore.Selection{Include: []lore.SelectionItem{{Database: db, Schema: "tickit", Table: "event"}, {Database: db, Schema: "tickit", Table: "venue"}}}
	if _, err := e.svc.PutSelection(ctx, e.admin, e.conn.ID, two, false); err != nil {
		t.Fatal(err)
	}
	run, err := e.svc.Process(ctx, e.admin, e.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitRun(t, e.svc, run.ID)
	one := lore.Selection{Include: two.Include[:1]}
	res, err := e.svc.PutSelection(ctx, e.admin, e.conn.ID, one, false)
	if err != nil || !res.NeedsConfirm || len(res.WouldRemove) != 1 {
		t.Fatalf("deselect without confirm: %+v %v", res, err)
	}
	if ts, _ := e.svc.ListTables(ctx, e.conn.ID, "", 0, 0); len(ts) != 2 {
		t.Fatalf("unconfirmed deselection changed the tables: %d", len(ts))
	}
	if res, err = e.svc.PutSelection(ctx, e.admin, e.conn.ID, one, true); err != nil || len(res.Removed) != 1 {
		t.Fatalf("confirmed deselect: %+v %v", res, err)
	}
	ts, _ := e.svc.ListTables(ctx, e.conn.ID, "", 0, 0)
	if len(ts) != 1 || ts[0].Name != "event" {
		t.Fatalf("tables after deselect: %+v", ts)
	}
	member, _ := lore.NewAccounts(e.st.Store).CreateUser(ctx, "m@example.com", "password-1", lore.RoleMember, false)
	if _, err := e.svc.Process(ctx, member, e.conn.ID); lore.ErrorCode(err) != lore.EFORBIDDEN {
		t.Fatalf("member process: %v", err)
	}
}

// TestWarehouseGoesAway: the catalog step fails with the reason and stores nothing; once the
// warehouse is back, processing completes.
func TestWarehouseGoesAway(t *testing.T) {
	e := setup(t, false)
	ctx := context.Background()
	db := e.conn.Config["database"]
	if _, err := e.svc.PutSelection(ctx, e.admin, e.conn.ID, lore.Selection{Include: []lore.SelectionItem{{Database: db, Schema: "tickit", FutureTables: true}}}, false); err != nil {
		t.Fatal(err)
	}
	good := e.conn.Config["endpoint_url"]
	in := lore.ConnectionInput{Config: map[string]string{}}
	for k, v := range e.conn.Config {
		in.Config[k] = v
	}
	in.Config["endpoint_url"] = "http://127.0.0.1:1"
	if _, err := e.svc.UpdateConnection(ctx, e.admin, e.conn.ID, in); err != nil {
		t.Fatal(err)
	}
	run, err := e.svc.Process(ctx, e.admin, e.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	run = waitRun(t, e.svc, run.ID)
	if run.Status != lore.StatusFailed || run.Error == "" {
		t.Fatalf("run with the warehouse away: %s %q", run.Status, run.Error)
	}
	if ts, _ := e.svc.ListTables(ctx, e.conn.ID, "", 0, 0); len(ts) != 0 {
		t.Fatalf("%d tables stored by a failed catalog step", len(ts))
	}
	in.Config["endpoint_url"] = good
	if _, err := e.svc.UpdateConnection(ctx, e.admin, e.conn.ID, in); err != nil {
		t.Fatal(err)
	}
	run, err = e.svc.Process(ctx, e.admin, e.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if run = waitRun(t, e.svc, run.ID); run.Status != lore.StatusDone || run.Counts.Done != 14 {
		t.Fatalf("run after the warehouse came back: %s %+v", run.Status, run.Counts)
	}
}

// TestCancelAndRetry cancels a run, then retries every cancelled item to completion.
func TestCancelAndRetry(t *testing.T) {
	e := setup(t, false)
	ctx := context.Background()
	e.svc.JobKinds = []string{lore.JobProfile}
	db := e.conn.Config["database"]
	if _, err := e.svc.PutSelection(ctx, e.admin, e.conn.ID, lore.Selection{Include: []lore.SelectionItem{{Database: db, Schema: "tickit", FutureTables: true}}}, false); err != nil {
		t.Fatal(err)
	}
	// Process synchronously through Refresh so the items exist before the cancel.
	run, err := e.svc.Refresh(ctx, e.admin, e.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	err = e.svc.CancelRun(ctx, e.admin, run.ID)
	if err != nil && lore.ErrorCode(err) != lore.ECONFLICT {
		t.Fatal(err)
	}
	run = waitRun(t, e.svc, run.ID)
	if err == nil && run.Status != lore.StatusCancelled {
		t.Fatalf("cancelled run is %s", run.Status)
	}
	if run.Counts.Cancelled == 0 {
		t.Skip("every job finished before the cancel landed")
	}
	if err := e.svc.RetryRun(ctx, e.admin, run.ID, 0, ""); err != nil {
		t.Fatal(err)
	}
	run = waitRun(t, e.svc, run.ID)
	if run.Status != lore.StatusDone || run.Counts.Done != run.Counts.Total {
		t.Fatalf("retried run: %s %+v", run.Status, run.Counts)
	}
}

// TestClearSecrets deletes stored secrets on edit, and refuses unknown ones.
func TestClearSecrets(t *testing.T) {
	e := setup(t, false)
	ctx := context.Background()
	in := lore.ConnectionInput{Config: e.conn.Config, ClearSecrets: []string{"password"}}
	if _, err := e.svc.UpdateConnection(ctx, e.admin, e.conn.ID, in); lore.ErrorCode(err) != lore.EINVALID {
		t.Fatalf("clearing a secret Redshift does not have: %v", err)
	}
	// Half a key pair is refused, and nothing changes.
	in.ClearSecrets = []string{"secret_access_key"}
	if _, err := e.svc.UpdateConnection(ctx, e.admin, e.conn.ID, in); lore.ErrorCode(err) != lore.EINVALID {
		t.Fatalf("clearing half a key pair: %v", err)
	}
	// Switching to an IAM role clears both keys.
	cfg := map[string]string{"role_arn": "arn:aws:iam::123456789012:role/lore-reader"}
	for k, v := range e.conn.Config {
		cfg[k] = v
	}
	in = lore.ConnectionInput{Config: cfg, ClearSecrets: []string{"access_key_id", "secret_access_key"}}
	c, err := e.svc.UpdateConnection(ctx, e.admin, e.conn.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Secrets) != 0 {
		t.Fatalf("secrets after switching to a role: %+v", c.Secrets)
	}
}
