package contextpack

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// genericNames never give an inferred join on their own: every table may have them and they do
// not say which table they belong to.
var genericNames = map[string]bool{
	"id": true, "uuid": true, "guid": true, "key": true, "code": true, "name": true, "type": true,
	"status": true, "state": true, "description": true, "value": true, "date": true,
	"timestamp": true, "version": true, "created": true, "updated": true, "created_at": true,
	"updated_at": true, "deleted_at": true, "modified_at": true, "created_by": true,
	"updated_by": true, "modified_by": true, "row_id": true, "rowid": true, "_id": true,
	"is_deleted": true, "is_active": true, "comment": true, "notes": true,
}

// findJoins returns the join paths between the live tables: their declared foreign keys, and
// inferred joins where a column has the same name and a compatible type as the key of another
// table. It also marks join columns as keys and counts each table's joins.
func findJoins(tables []*dtable) []*djoin {
	byRef := map[string]*dtable{}
	for _, t := range tables {
		byRef[refKey(t.t.Ref.String())] = t
	}
	var joins []*djoin
	joined := map[string]bool{} // unordered table pair + column, to avoid duplicates
	fkCols := map[*dtable]map[string]bool{}
	for _, t := range tables {
		fkCols[t] = map[string]bool{}
		for _, fk := range t.t.ForeignKeys {
			to, ok := byRef[refKey(fk.Ref.String())]
			if !ok || to == t || len(fk.Columns) == 0 || len(fk.Columns) != len(fk.RefColumns) {
				continue
			}
			reason := "declared foreign key"
			if fk.Name != "" {
				reason += " " + fk.Name
			}
			joins = append(joins, newJoin(t, fk.Columns, to, fk.RefColumns, false, reason))
			for i, c := range fk.Columns {
				fkCols[t][strings.ToLower(c)] = true
				joined[pairKey(t, to, c, fk.RefColumns[i])] = true
			}
		}
	}
	// Index columns by name so only tables sharing a column name are compared.
	type colAt struct {
		t *dtable
		c *dcol
	}
	byName := map[string][]colAt{}
	var names []string
	for _, t := range tables {
		for _, c := range t.cols {
			n := strings.ToLower(c.c.Name)
			if genericNames[n] {
				continue
			}
			if _, ok := byName[n]; !ok {
				names = append(names, n)
			}
			byName[n] = append(byName[n], colAt{t, c})
		}
	}
	sort.Strings(names)
	for _, n := range names {
		cols := byName[n]
		if len(cols) < 2 {
			continue
		}
		for _, key := range cols {
			why := keyReason(key.t, key.c)
			if why == "" {
				continue
			}
			for _, from := range cols {
				if from.t == key.t || fkCols[from.t][n] || joined[pairKey(from.t, key.t, from.c.c.Name, key.c.c.Name)] {
					continue
				}
				if typeFamily(from.c.c.Type) != typeFamily(key.c.c.Type) {
					continue
				}
				reason := "inferred: same name and type; " + why
				if keyReason(from.t, from.c) != "" {
					// Both sides look like keys: a one-to-one pair, reported once.
					if from.t.t.Ref.String() > key.t.t.Ref.String() {
						continue
					}
					reason += "; one-to-one, it is a key of " + from.t.t.Ref.Name + " too"
				}
				joined[pairKey(from.t, key.t, from.c.c.Name, key.c.c.Name)] = true
				joins = append(joins, newJoin(from.t, []string{from.c.c.Name}, key.t, []string{key.c.c.Name}, true, reason))
			}
		}
	}
	for _, j := range joins {
		j.key = j.sortKey()
	}
	slices.SortStableFunc(joins, func(a, b *djoin) int { return strings.Compare(a.key, b.key) })
	for _, j := range joins {
		for _, end := range []struct {
			t    *dtable
			cols []string
		}{{j.from, j.j.From.Columns}, {j.to, j.j.To.Columns}} {
			if j.j.Inferred {
				end.t.inferredJoins++
			} else {
				end.t.declaredJoins++
			}
			end.t.joins = append(end.t.joins, j)
			for _, name := range end.cols {
				if c := end.t.col(name); c != nil {
					c.key = true
				}
			}
		}
	}
	return joins
}

func newJoin(from *dtable, fromCols []string, to *dtable, toCols []string, inferred bool, reason string) *djoin {
	return &djoin{from: from, to: to, j: Join{
		From:     JoinEnd{TableRef: from.t.Ref, Columns: fromCols},
		To:       JoinEnd{TableRef: to.t.Ref, Columns: toCols},
		Inferred: inferred,
		Reason:   reason,
	}}
}

func (j *djoin) sortKey() string {
	return fmt.Sprintf("%s|%s|%s|%s", j.j.From.TableRef, strings.Join(j.j.From.Columns, ","),
		j.j.To.TableRef, strings.Join(j.j.To.Columns, ","))
}

func refKey(s string) string { return strings.ToLower(s) }

func pairKey(a, b *dtable, ca, cb string) string {
	x := refKey(a.t.Ref.String()) + "." + strings.ToLower(ca)
	y := refKey(b.t.Ref.String()) + "." + strings.ToLower(cb)
	if x > y {
		x, y = y, x
	}
	return x + "=" + y
}

// keyReason says why c looks like the key of t, or returns "" when it does not: it is t's
// single-column primary key; or t declares no primary key and c is named after t (eventid or
// event_id in event, userid in users) or is t's first column, ends in id and its stem starts
// t's name (catid in category).
func keyReason(t *dtable, c *dcol) string {
	name := strings.ToLower(c.c.Name)
	pk := t.t.PrimaryKey
	if len(pk) == 1 && strings.EqualFold(pk[0], name) {
		return fmt.Sprintf("%s is the primary key of %s", c.c.Name, t.t.Ref.Name)
	}
	if len(pk) > 0 {
		return ""
	}
	table := strings.ToLower(t.t.Ref.Name)
	for _, base := range []string{table, singular(table)} {
		if name == base+"id" || name == base+"_id" || name == base+"_key" {
			return fmt.Sprintf("%s is named after %s", c.c.Name, t.t.Ref.Name)
		}
	}
	if c.pos == 0 {
		stem := strings.TrimSuffix(strings.TrimSuffix(name, "id"), "_")
		if stem != name && len(stem) >= 3 && strings.HasPrefix(table, stem) {
			return fmt.Sprintf("%s is the first column of %s", c.c.Name, t.t.Ref.Name)
		}
	}
	return ""
}

func singular(w string) string {
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		return w[:len(w)-1]
	}
	return w
}

// typeFamily groups warehouse types whose values can be compared in a join.
func typeFamily(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	switch t {
	case "smallint", "int2", "integer", "int", "int4", "bigint", "int8", "tinyint", "mediumint",
		"serial", "bigserial", "smallserial", "numeric", "decimal", "number":
		return "number"
	case "real", "float", "float4", "float8", "double precision", "double":
		return "float"
	case "char", "character", "varchar", "character varying", "text", "bpchar", "nchar",
		"nvarchar", "string", "name", "citext":
		return "text"
	case "timestamp", "timestamptz", "timestamp without time zone", "timestamp with time zone":
		return "timestamp"
	case "bool", "boolean":
		return "boolean"
	}
	return t
}
