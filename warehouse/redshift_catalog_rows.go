package warehouse

import (
	"strconv"
	"strings"

	"github.com/lorehq/lore"
)

// addTables records the selected tables (schema, table, type, remarks).
func (cat *rsCatalog) addTables(rows [][]*string) {
	for _, r := range rows {
		schema, name := str(r[0]), str(r[1])
		kind := redshiftKind(str(r[2]))
		if kind == "" || !cat.f.match(schema, name) {
			continue
		}
		cat.tables[key(schema, name)] = &lore.TableMeta{
			Ref:     lore.TableRef{Database: cat.db, Schema: schema, Name: name},
			Kind:    kind,
			Comment: str(r[3]),
			// SVV_TABLE_INFO omits empty tables and views, and needs a grant: -1 is "unknown".
			RowEstimate: -1, SizeBytes: -1,
		}
	}
}

// addTableInfo records row counts and sizes (SVV_TABLE_INFO: 1 MB blocks).
func (cat *rsCatalog) addTableInfo(rows [][]*string) {
	for _, r := range rows {
		if t := cat.tables[key(str(r[0]), str(r[1]))]; t != nil {
			t.RowEstimate = num(r[2])
			if mb := num(r[3]); mb >= 0 {
				t.SizeBytes = mb << 20
			}
		}
	}
}

// addComments records table comments (objsubid 0) and column comments.
func (cat *rsCatalog) addComments(rows [][]*string) {
	for _, r := range rows {
		schema, name := str(r[0]), str(r[1])
		t := cat.tables[key(schema, name)]
		if t == nil {
			continue
		}
		if str(r[2]) == "0" {
			t.Comment = str(r[4])
		} else {
			cat.colCmt[key(schema, name, str(r[3]))] = str(r[4])
		}
	}
}

// addKeys records primary and foreign keys from their definitions.
func (cat *rsCatalog) addKeys(rows [][]*string) {
	for _, r := range rows {
		t := cat.tables[key(str(r[0]), str(r[1]))]
		if t == nil {
			continue
		}
		cols, refCols, ok := parseConstraintDef(str(r[4]))
		if !ok {
			continue
		}
		if str(r[3]) == "p" {
			t.PrimaryKey = cols
			continue
		}
		t.ForeignKeys = append(t.ForeignKeys, lore.ForeignKey{
			Name: str(r[2]), Columns: cols, RefColumns: refCols,
			Ref: lore.TableRef{Database: cat.db, Schema: str(r[5]), Name: str(r[6])},
		})
	}
}

// column converts one SVV_ALL_COLUMNS row: schema, table, column, ordinal, data_type,
// character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default,
// remarks.
func (cat *rsCatalog) column(r []*string) lore.ColumnMeta {
	pos, _ := strconv.Atoi(str(r[3]))
	c := lore.ColumnMeta{
		Name:     str(r[2]),
		Position: pos,
		Type:     redshiftType(str(r[4]), num(r[5]), num(r[6]), num(r[7])),
		Nullable: !strings.EqualFold(str(r[8]), "NO"),
		Default:  str(r[9]),
		Comment:  str(r[10]),
	}
	if cmt, ok := cat.colCmt[key(str(r[0]), str(r[1]), c.Name)]; ok {
		c.Comment = cmt
	}
	return c
}

// redshiftType writes a column type with its length or precision, as format_type would.
func redshiftType(typ string, length, precision, scale int64) string {
	t := strings.ToLower(typ)
	switch t {
	case "character varying", "varchar", "character", "char", "bpchar", "nvarchar", "nchar":
		if length > 0 {
			return t + "(" + strconv.FormatInt(length, 10) + ")"
		}
	case "numeric", "decimal":
		if precision > 0 {
			return t + "(" + strconv.FormatInt(precision, 10) + "," + strconv.FormatInt(max(scale, 0), 10) + ")"
		}
	}
	return t
}

// parseConstraintDef reads the column lists of "PRIMARY KEY (a, b)" or "FOREIGN KEY (a)
// REFERENCES s.t(b)" as pg_get_constraintdef prints them (identifiers possibly quoted).
func parseConstraintDef(def string) (cols, refCols []string, ok bool) {
	cols, rest, ok := parseIdentList(def)
	if !ok {
		return nil, nil, false
	}
	i := strings.Index(strings.ToUpper(rest), "REFERENCES")
	if i < 0 {
		return cols, nil, true
	}
	refCols, _, ok = parseIdentList(rest[i+len("REFERENCES"):])
	return cols, refCols, ok
}

// parseIdentList parses the first parenthesised, comma-separated identifier list in s (skipping
// quoted names before it) and returns it with the text after the closing parenthesis.
func parseIdentList(s string) (list []string, rest string, ok bool) {
	i := 0
	for i < len(s) && s[i] != '(' { // find the list, skipping quoted table names
		if s[i] == '"' {
			for i++; i < len(s); i++ {
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						i++
						continue
					}
					break
				}
			}
		}
		i++
	}
	if i >= len(s) {
		return nil, "", false
	}
	i++
	var cur strings.Builder
	for i < len(s) {
		ch := s[i]
		switch {
		case ch == '"':
			for i++; i < len(s); i++ {
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						cur.WriteByte('"')
						i++
						continue
					}
					break
				}
				cur.WriteByte(s[i])
			}
		case ch == ',' || ch == ')':
			list = append(list, cur.String())
			cur.Reset()
			if ch == ')' {
				return list, s[i+1:], true
			}
		case ch != ' ':
			cur.WriteByte(ch)
		}
		i++
	}
	return nil, "", false
}
