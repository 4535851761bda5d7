package catalog

import (
	"context"
	"encoding/json"
	"time"

	"github.com/riverqueue/river"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/jobs"
	"github.com/lorehq/lore/profile"
	"github.com/lorehq/lore/store"
	"github.com/lorehq/lore/warehouse"
)

// ProfileWorker works profile jobs.
type ProfileWorker struct {
	river.WorkerDefaults[jobs.ProfileArgs]
	Service *Service
}

// Work profiles one table in at most two statements and stores the result sealed.
func (w *ProfileWorker) Work(ctx context.Context, job *river.Job[jobs.ProfileArgs]) error {
	s := w.Service
	return s.runTableJob(ctx, job.JobRow, job.Args.RunID, job.Args.TableID, lore.JobProfile, func(ctx context.Context, t *lore.Table, c *lore.Connection) error {
		return s.profileTable(ctx, t, c)
	})
}

// tableMeta rebuilds the catalog entry of a stored table.
func tableMeta(t *lore.Table) lore.TableMeta {
	m := lore.TableMeta{Ref: t.Ref(), Kind: t.Kind, Comment: t.Comment, PrimaryKey: t.PrimaryKey, ForeignKeys: t.ForeignKeys,
		RowEstimate: t.RowEstimate, SizeBytes: t.SizeBytes}
	for _, c := range t.Columns {
		m.Columns = append(m.Columns, lore.ColumnMeta{Name: c.Name, Position: c.Position, Type: c.Type, Nullable: c.Nullable,
			Default: c.Default, Comment: c.Comment, PrimaryKey: c.PrimaryKey})
	}
	return m
}

func (s *Service) profileTable(ctx context.Context, t *lore.Table, c *lore.Connection) error {
	conn, err := s.warehouse(ctx, c.ID)
	if err != nil {
		return err
	}
	var q lore.Querier
	if dq, ok := conn.(warehouse.DatabaseQuerier); ok {
		q = dq.QuerierFor(t.Database)
	} else if lq, ok := conn.(lore.Querier); ok {
		q = lq
	} else {
		return lore.Errorf(lore.EINVALID, "This connector cannot run profiling queries.")
	}
	st := c.Settings.WithDefaults()
	noSample := map[string]bool{}
	for _, col := range t.Columns {
		if col.NoSample {
			noSample[col.Name] = true
		}
	}
	before := statsOf(conn)
	prof, err := profile.Table(ctx, q, tableMeta(t), profile.Options{
		SampleRows: st.SampleRows, SamplesPerColumn: st.SamplesPerColumn, MaxRows: st.MaxRows,
		ProfileExternal: st.ProfileExternal, Timeout: time.Duration(st.TimeoutSeconds) * time.Second, NoSample: noSample,
	})
	s.countWork(ctx, c.ID, conn, before)
	if err != nil {
		return err
	}
	return s.putProfile(ctx, t.ID, prof)
}

// putProfile seals and stores a profile: min/max and samples are customer data.
func (s *Service) putProfile(ctx context.Context, tableID int64, p lore.TableProfile) error {
	if p.ProfiledAt.IsZero() {
		p.ProfiledAt = s.Now().UTC()
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return err
	}
	ct, err := s.Vault.Seal(ctx, raw, store.ProfileAD(tableID))
	if err != nil {
		return err
	}
	keyID, _ := vaultKeyID(ct)
	return s.Store.PutProfile(ctx, tableID, store.SealedSecret{Ciphertext: ct, KeyID: keyID}, p.ProfiledAt)
}

// tableProfile opens a table's stored profile; nil when it was not profiled yet.
func (s *Service) tableProfile(ctx context.Context, tableID int64) (*lore.TableProfile, error) {
	sec, err := s.Store.FindProfile(ctx, tableID)
	if lore.ErrorCode(err) == lore.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	raw, err := s.Vault.Open(ctx, sec.Ciphertext, store.ProfileAD(tableID))
	if err != nil {
		return nil, err
	}
	var p lore.TableProfile
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
