package warehouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"
	"github.com/aws/smithy-go"

	"github.com/lorehq/lore"
)

func TestParseConstraintDef(t *testing.T) {
	t.Parallel()
	cases := []struct {
		def          string
		cols, refs   string
		ok           bool
		wantRefsNone bool
	}{
		{"PRIMARY KEY (id)", "[id]", "[]", true, true},
		{"PRIMARY KEY (a, b)", "[a b]", "[]", true, true},
		{"FOREIGN KEY (venueid) REFERENCES tickit.venue(venueid)", "[venueid]", "[venueid]", true, false},
		{`FOREIGN KEY ("Odd, ""Name""", b) REFERENCES "s(x)"."T"("X", y) ON DELETE CASCADE`, `[Odd, "Name" b]`, "[X y]", true, false},
		{"CHECK (x > 0", "", "", false, true},
		{"", "", "", false, true},
	}
	for _, tc := range cases {
		cols, refs, ok := parseConstraintDef(tc.def)
		if ok != tc.ok {
			t.Errorf("%q: ok %v", tc.def, ok)
			continue
		}
		if ok && (fmt.Sprint(cols) != tc.cols || fmt.Sprint(refs) != tc.refs) {
			t.Errorf("%q: got %v %v, want %s %s", tc.def, cols, refs, tc.cols, tc.refs)
		}
	}
}

func FuzzParseConstraintDef(f *testing.F) {
	f.Add("FOREIGN KEY (a) REFERENCES s.t(b)")
	f.Add(`PRIMARY KEY ("a""", b)`)
	f.Fuzz(func(t *testing.T, def string) {
		cols, _, ok := parseConstraintDef(def)
		if ok && len(cols) == 0 {
			t.Errorf("%q: ok without columns", def)
		}
	})
}

func TestIsReadOnlySQL(t *testing.T) {
	t.Parallel()
	for sql, want := range map[string]bool{
		"SELECT 1":                         true,
		"  with x as (select 1) select *":  true,
		"-- note\nSELECT 1":                true,
		"/* a */ select 1":                 true,
		"DELETE FROM t":                    false,
		"-- SELECT\nDROP TABLE t":          false,
		"/* unterminated SELECT":           false,
		"":                                 false,
		"(SELECT 1)":                       true,
		"INSERT INTO t SELECT * FROM t2":   false,
		"UNLOAD ('select 1') TO 's3://x'":  false,
		"select/*x*/1":                     true,
		"-- only a comment":                false,
		"CREATE TABLE x AS SELECT 1 AS a;": false,
	} {
		if got := isReadOnlySQL(sql); got != want {
			t.Errorf("%q: %v, want %v", sql, got, want)
		}
	}
}

func TestFieldText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		f    types.Field
		want string
	}{
		{&types.FieldMemberStringValue{Value: "12345678901234567890.123456789"}, "12345678901234567890.123456789"},
		{&types.FieldMemberLongValue{Value: -42}, "-42"},
		{&types.FieldMemberDoubleValue{Value: 0.1}, "0.1"},
		{&types.FieldMemberBooleanValue{Value: true}, "true"},
		{&types.FieldMemberBlobValue{Value: []byte("hi")}, "aGk="},
	}
	for _, tc := range cases {
		if got := fieldText(tc.f); got == nil || *got != tc.want {
			t.Errorf("%T: got %v, want %s", tc.f, got, tc.want)
		}
	}
	if fieldText(&types.FieldMemberIsNull{Value: true}) != nil {
		t.Error("NULL is not nil")
	}
}

func TestRedshiftType(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ     string
		l, p, s int64
		want    string
	}{
		{"character varying", 256, -1, -1, "character varying(256)"},
		{"numeric", -1, 12, 2, "numeric(12,2)"},
		{"integer", -1, 32, 0, "integer"},
		{"timestamp without time zone", -1, -1, -1, "timestamp without time zone"},
	} {
		if got := redshiftType(tc.typ, tc.l, tc.p, tc.s); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.typ, got, tc.want)
		}
	}
}

// TestRedshiftErrorMessages checks errors that the local endpoint cannot produce (a signature
// scoped to another region, a refused GetClusterCredentials, throttling).
func TestRedshiftErrorMessages(t *testing.T) {
	t.Parallel()
	c := &redshiftConn{s: redshiftSettings{region: "eu-west-1", cluster: "prod", database: "dev", accessKeyID: "AKIAX", timeout: DefaultStatementTimeout}}
	api := func(code, msg string) error {
		return &smithy.OperationError{ServiceID: "Redshift Data", OperationName: "ExecuteStatement",
			Err: &smithy.GenericAPIError{Code: code, Message: msg}}
	}
	cases := []struct {
		err         error
		check, code string
		text        string
	}{
		{api("InvalidSignatureException", "Credential should be scoped to a valid region."), CheckCredentials, lore.EUNAUTHORIZED, "region eu-west-1"},
		{api("InvalidSignatureException", "The request signature we calculated does not match"), CheckCredentials, lore.EUNAUTHORIZED, "secret access key"},
		{api("ExpiredTokenException", "The security token included in the request is expired"), CheckCredentials, lore.EUNAUTHORIZED, "expired"},
		{api("AccessDeniedException", "not authorized to perform: redshift:GetClusterCredentials"), CheckTarget, lore.EFORBIDDEN, "GetClusterCredentials"},
		{api("AccessDeniedException", "not authorized to perform: redshift-data:ExecuteStatement"), CheckDataAPI, lore.EFORBIDDEN, "redshift-data:ExecuteStatement"},
		{api("ThrottlingException", "Rate exceeded"), CheckDataAPI, lore.ETOOMANY, "throttling"},
		{api("ValidationException", "Redshift endpoint doesn't exist in this region."), CheckTarget, lore.ENOTFOUND, "Cluster prod was not found in region eu-west-1"},
		{context.DeadlineExceeded, CheckDatabase, lore.EUNAVAILABLE, "did not finish in time"},
		{errors.New("dial tcp: connection refused"), CheckEndpoint, lore.EUNAVAILABLE, "Cannot reach"},
	}
	for _, tc := range cases {
		err := c.apiError(context.Background(), tc.err, "run a statement")
		if checkOf(err) != tc.check || lore.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%v: got %s/%s %q, want %s/%s mentioning %q", tc.err, checkOf(err), lore.ErrorCode(err), err, tc.check, tc.code, tc.text)
		}
	}
}
