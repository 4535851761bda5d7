package redshiftlocal

import "testing"

func TestTranslateDialect(t *testing.T) {
	cases := map[string]string{
		`SELECT APPROXIMATE COUNT(DISTINCT "a") FROM t`:   `SELECT count(distinct "a") FROM t`,
		`select approximate  count ( distinct x ) from t`: `select count(distinct x ) from t`,
		`SELECT count(*) FROM t`:                          `SELECT count(*) FROM t`,
	}
	for in, want := range cases {
		if got := translateDialect(in); got != want {
			t.Errorf("translateDialect(%q) = %q, want %q", in, got, want)
		}
	}
}
