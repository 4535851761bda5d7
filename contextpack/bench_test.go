package contextpack

import (
	"fmt"
	"testing"

	"github.com/lorehq/lore"
)

// warehouse50 returns 50 synthetic tables, 8 to 36 columns each, with descriptions, profiles
// and key columns named after other tables, so joins are inferred.
func warehouse50() []Table {
	entities := []string{"customer", "order", "product", "store", "employee", "supplier", "shipment", "invoice", "payment", "campaign"}
	var tables []Table
	for i := range 50 {
		name := fmt.Sprintf("%s_%02d", entities[i%len(entities)], i)
		t := Table{ID: name, Ref: lore.TableRef{Database: "dev", Schema: "bench", Name: name}, Kind: "table", RowEstimate: int64(1000 * (i + 1)),
			Description: Described{Text: fmt.Sprintf("Synthetic %s facts for benchmark table %d, one row per %s event.", entities[i%len(entities)], i, entities[i%len(entities)]), Source: "ai", Model: "gpt-4o-mini"},
			PrimaryKey:  []string{name + "_id"}}
		t.Columns = append(t.Columns, Column{Name: name + "_id", Type: "bigint", Description: Described{Text: "Unique id of the row.", Source: "heuristic"}})
		for _, other := range []int{(i + 7) % 50, (i + 23) % 50} {
			o := fmt.Sprintf("%s_%02d", entities[other%len(entities)], other)
			t.Columns = append(t.Columns, Column{Name: o + "_id", Type: "bigint", Nullable: true, Description: Described{Text: "Reference to " + o + ".", Source: "heuristic"}})
		}
		for c := range 5 + (i*7)%30 {
			col := Column{Name: fmt.Sprintf("attribute_%02d", c), Type: []string{"varchar(64)", "integer", "numeric(12,2)", "timestamp"}[c%4], Nullable: true,
				Description: Described{Text: fmt.Sprintf("Attribute %d of the %s, as recorded by the source system at load time.", c, entities[i%len(entities)]), Source: "dbt"}}
			if c%2 == 0 {
				col.Profile = &lore.ColumnProfile{Min: str("1"), Max: str(fmt.Sprint(1000 + c)), NullCount: num(int64(c)), DistinctEstimate: num(int64(100 + c))}
				if c%4 == 0 {
					col.Profile.Samples = []string{"alpha", "bravo", "charlie", fmt.Sprintf("value-%d", c)}
				}
			}
			t.Columns = append(t.Columns, col)
		}
		tables = append(tables, t)
	}
	return tables
}

// BenchmarkBuild50Tables builds packs of a 50-table persona. warm repeats the same request,
// as a persona's packs are asked for again and again (token counts of lines seen before are
// cached); cold empties the cache first, so every line is tokenized anew.
func BenchmarkBuild50Tables(b *testing.B) {
	tables := warehouse50()
	persona := tickitPersona()
	for _, bc := range []struct {
		name string
		opts Options
	}{
		{"markdown-4000", Options{BudgetTokens: 4000}},
		{"json-4000", Options{BudgetTokens: 4000, Format: FormatJSON}},
		{"markdown-unlimited", Options{}},
	} {
		for _, cold := range []bool{false, true} {
			name := bc.name + "-warm"
			if cold {
				name = bc.name + "-cold"
			}
			b.Run(name, func(b *testing.B) {
				if _, err := Build(persona, tables, bc.opts); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if cold {
						cache.Lock()
						clear(cache.counts)
						cache.bytes = 0
						cache.Unlock()
					}
					p, err := Build(persona, tables, bc.opts)
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(p.Tokens), "tokens")
				}
			})
		}
	}
}
