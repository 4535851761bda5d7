package redshiftlocal

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
)

// PostgreSQL type OIDs the encoder treats specially.
const (
	oidBool        = 16
	oidBytea       = 17
	oidChar        = 18
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidOID         = 26
	oidFloat4      = 700
	oidFloat8      = 701
	oidMoney       = 790
	oidBpchar      = 1042
	oidVarchar     = 1043
	oidDate        = 1082
	oidTime        = 1083
	oidTimestamp   = 1114
	oidTimestamptz = 1184
	oidTimetz      = 1266
	oidNumeric     = 1700
)

// builtinTypeNames are the pg_type names of common types, saving a catalog query.
var builtinTypeNames = map[uint32]string{
	oidBool: "bool", oidBytea: "bytea", oidChar: "char", oidName: "name", oidInt8: "int8",
	oidInt2: "int2", oidInt4: "int4", oidText: "text", oidOID: "oid", oidFloat4: "float4",
	oidFloat8: "float8", oidMoney: "money", oidBpchar: "bpchar", oidVarchar: "varchar",
	oidDate: "date", oidTime: "time", oidTimestamp: "timestamp", oidTimestamptz: "timestamptz",
	oidTimetz: "timetz", oidNumeric: "numeric", 114: "json", 3802: "jsonb", 2950: "uuid",
	1186: "interval", 142: "xml",
}

// columnMetadata is the ColumnMetadata shape of GetStatementResult and DescribeTable.
type columnMetadata struct {
	IsCaseSensitive bool    `json:"isCaseSensitive"`
	IsCurrency      bool    `json:"isCurrency"`
	IsSigned        bool    `json:"isSigned"`
	Label           string  `json:"label,omitempty"`
	Length          int32   `json:"length"`
	Name            string  `json:"name"`
	Nullable        int32   `json:"nullable"`
	Precision       int32   `json:"precision"`
	Scale           int32   `json:"scale"`
	SchemaName      string  `json:"schemaName"`
	TableName       string  `json:"tableName"`
	TypeName        string  `json:"typeName"`
	ColumnDefault   *string `json:"columnDefault,omitempty"`
}

// unbounded is the JDBC size reported for types without a declared length.
const unbounded = 2147483647

// describeType fills the type facts of m for base type oid with modifier typmod, as the Redshift
// JDBC layer behind the Data API reports them. typeName is the name to show: pg_type's name,
// except that text shows as varchar (Redshift has no text type).
func describeType(m *columnMetadata, oid uint32, typmod int32, typeName string) {
	if typeName == "text" {
		typeName = "varchar"
	}
	m.TypeName = typeName
	m.IsCaseSensitive = true
	switch oid {
	case oidInt2:
		m.Precision, m.IsSigned, m.IsCaseSensitive = 5, true, false
	case oidInt4:
		m.Precision, m.IsSigned, m.IsCaseSensitive = 10, true, false
	case oidInt8:
		m.Precision, m.IsSigned, m.IsCaseSensitive = 19, true, false
	case oidOID:
		m.Precision, m.IsCaseSensitive = 10, false
	case oidFloat4:
		m.Precision, m.Scale, m.IsSigned, m.IsCaseSensitive = 8, 8, true, false
	case oidFloat8:
		m.Precision, m.Scale, m.IsSigned, m.IsCaseSensitive = 17, 17, true, false
	case oidNumeric:
		m.IsSigned, m.IsCaseSensitive = true, false
		if typmod >= 4 {
			m.Precision = (typmod - 4) >> 16 & 0xffff
			m.Scale = (typmod - 4) & 0xffff
		}
	case oidMoney:
		m.Precision, m.Scale, m.IsSigned, m.IsCurrency, m.IsCaseSensitive = 19, 2, true, true, false
	case oidBool:
		m.Precision, m.IsCaseSensitive = 1, false
	case oidBpchar, oidVarchar:
		m.Precision = unbounded
		if typmod >= 4 {
			m.Precision = typmod - 4
		}
	case oidText:
		m.Precision = unbounded
	case oidName:
		m.Precision = 64
	case oidDate:
		m.Precision, m.IsCaseSensitive = 13, false
	case oidTime:
		m.Precision, m.Scale, m.IsCaseSensitive = 15, 6, false
	case oidTimetz:
		m.Precision, m.Scale, m.IsCaseSensitive = 21, 6, false
	case oidTimestamp:
		m.Precision, m.Scale, m.IsCaseSensitive = 29, 6, false
	case oidTimestamptz:
		m.Precision, m.Scale, m.IsCaseSensitive = 35, 6, false
	default:
		m.Precision = unbounded
	}
}

// appendField appends the JSON Field union for one cell: exactly one member, chosen by the
// column's base type. v is PostgreSQL's text form of the value, nil for NULL.
func appendField(buf []byte, oid uint32, v []byte) []byte {
	if v == nil {
		return append(buf, `{"isNull":true}`...)
	}
	switch oid {
	case oidInt2, oidInt4, oidInt8, oidOID:
		buf = append(buf, `{"longValue":`...)
		buf = append(buf, v...)
		return append(buf, '}')
	case oidFloat4, oidFloat8:
		buf = append(buf, `{"doubleValue":`...)
		switch string(v) {
		case "NaN", "Infinity", "-Infinity":
			buf = append(buf, '"')
			buf = append(buf, v...)
			buf = append(buf, '"')
		default:
			buf = append(buf, v...)
		}
		return append(buf, '}')
	case oidBool:
		if len(v) > 0 && v[0] == 't' {
			return append(buf, `{"booleanValue":true}`...)
		}
		return append(buf, `{"booleanValue":false}`...)
	case oidBytea:
		raw := v
		if bytes.HasPrefix(v, []byte(`\x`)) {
			raw = make([]byte, hex.DecodedLen(len(v)-2))
			if _, err := hex.Decode(raw, v[2:]); err != nil {
				raw = v
			}
		}
		buf = append(buf, `{"blobValue":"`...)
		buf = base64.StdEncoding.AppendEncode(buf, raw)
		return append(buf, `"}`...)
	case oidTimestamp:
		// The service formats timestamps the JDBC way, with at least one fractional digit.
		if bytes.IndexByte(v, '.') < 0 && len(v) >= 19 && v[len(v)-3] == ':' {
			v = append(append([]byte(nil), v...), ".0"...)
		}
	}
	buf = append(buf, `{"stringValue":`...)
	s, _ := json.Marshal(string(v))
	buf = append(buf, s...)
	return append(buf, '}')
}
