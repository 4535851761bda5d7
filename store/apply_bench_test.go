package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/testpg"
	"github.com/lorehq/lore/store"
)

func syntheticMetas(tables, cols int) []lore.TableMeta {
	out := make([]lore.TableMeta, tables)
	for i := range out {
		m := lore.TableMeta{Ref: lore.TableRef{Database: "wh", Schema: fmt.Sprintf("s%02d", i/100), Name: fmt.Sprintf("t%04d", i)}, Kind: lore.KindTable,
			Comment: "a table", RowEstimate: 3000, SizeBytes: 8192, PrimaryKey: []string{"c0"}}
		for c := range cols {
			m.Columns = append(m.Columns, lore.ColumnMeta{Name: fmt.Sprintf("c%d", c), Position: c + 1, Type: "integer", Nullable: c > 0, Comment: "col"})
		}
		out[i] = m
	}
	return out
}

// BenchmarkApplyCatalog stores the catalog of 2,000 tables of 22 columns on a fresh store.
func BenchmarkApplyCatalog(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchApply(b, func() store.Config { return store.Config{DataDir: b.TempDir(), StoreKey: make([]byte, 32)} })
	})
	b.Run("postgres", func(b *testing.B) {
		benchApply(b, func() store.Config { return store.Config{DatabaseURL: testpg.NewDatabase(b)} })
	})
}

func benchApply(b *testing.B, cfg func() store.Config) {
	metas := syntheticMetas(2000, 22)
	for b.Loop() {
		b.StopTimer()
		s, err := store.Open(context.Background(), cfg())
		if err != nil {
			b.Fatal(err)
		}
		c := &lore.Connection{Name: "c", Type: "postgres", Config: map[string]string{}, ExternalID: "x"}
		if err := s.CreateConnection(context.Background(), c, nil); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if _, err := s.ApplyCatalog(context.Background(), c.ID, metas); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/apply")
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}
