package profile

import (
	"regexp"
	"strings"

	"github.com/lorehq/lore"
)

// kind says what the Profiler collects for a column.
type kind int

const (
	kindOther    kind = iota // null count only: bool, json, bytea, arrays, geometry, super…
	kindNumber               // min/max, null count
	kindTemporal             // min/max, null count
	kindText                 // samples, null count
)

var typeArgs = regexp.MustCompile(`\([^)]*\)`)

// Type names after normalising: lower case, no length/precision arguments, single spaces.
var (
	numberTypes = map[string]bool{
		"smallint": true, "integer": true, "int": true, "int2": true, "int4": true, "int8": true,
		"bigint": true, "numeric": true, "decimal": true, "real": true, "float": true,
		"float4": true, "float8": true, "double precision": true,
	}
	temporalTypes = map[string]bool{
		"date": true, "time": true, "timetz": true, "time without time zone": true,
		"time with time zone": true, "timestamp": true, "timestamptz": true,
		"timestamp without time zone": true, "timestamp with time zone": true,
	}
	textTypes = map[string]bool{
		"char": true, "character": true, "nchar": true, "bpchar": true, "varchar": true,
		"character varying": true, "nvarchar": true, "text": true,
	}
	// Types only PostgreSQL has. money::text keeps the currency form; name and citext are text.
	postgresNumber = map[string]bool{"money": true}
	postgresText   = map[string]bool{"name": true, "citext": true}
)

// normalType lower-cases typ, drops "(n)"/"(p,s)" arguments wherever they are (PostgreSQL writes
// "timestamp(3) without time zone") and a pg_catalog. prefix, and collapses spaces.
func normalType(typ string) string {
	t := strings.ToLower(typeArgs.ReplaceAllString(typ, ""))
	t = strings.TrimPrefix(strings.TrimSpace(t), "pg_catalog.")
	return strings.Join(strings.Fields(t), " ")
}

// classify returns what to collect for a column of type typ in dialect d.
func classify(d lore.Dialect, typ string) kind {
	t := normalType(typ)
	if strings.HasSuffix(t, "]") || strings.HasPrefix(t, "_") { // arrays: int4[] or _int4
		return kindOther
	}
	switch {
	case numberTypes[t], d == lore.DialectPostgres && postgresNumber[t]:
		return kindNumber
	case temporalTypes[t]:
		return kindTemporal
	case textTypes[t], d == lore.DialectPostgres && postgresText[t]:
		return kindText
	}
	return kindOther
}

// isBlankPadded reports whether typ is a fixed-width character type whose values Redshift
// returns padded with spaces (PostgreSQL's ::text drops the padding itself).
func isBlankPadded(typ string) bool {
	switch normalType(typ) {
	case "char", "character", "nchar", "bpchar":
		return true
	}
	return false
}
