package profile

import (
	"context"
	"encoding/json"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/testpg"
)

// TestQuoteIdentParses sends every hostile name through PostgreSQL's own parser as a column
// alias and checks that the name the server reports is exactly the input.
func TestQuoteIdentParses(t *testing.T) {
	t.Parallel()
	db := openDB(t, testpg.ServerURL(t))
	for _, name := range hostileNames {
		q, err := QuoteIdent(name)
		if err != nil {
			t.Fatalf("QuoteIdent(%q): %v", name, err)
		}
		rows, err := db.Query("SELECT 1 AS " + q)
		if err != nil {
			t.Errorf("SELECT 1 AS %s: %v", q, err)
			continue
		}
		cols, err := rows.Columns()
		rows.Close()
		if err != nil || len(cols) != 1 || cols[0] != name {
			t.Errorf("PostgreSQL read %s as %q (%v), want %q", q, cols, err, name)
		}
	}
}

// TestHostileNames creates tables and columns with names that break naive SQL building,
// profiles them, and checks both the results and that nothing else was touched.
func TestHostileNames(t *testing.T) {
	t.Parallel()
	db := openDB(t, testpg.NewDatabase(t))
	exec(t, db, `CREATE TABLE canary (id int)`, `CREATE TABLE t (id int)`, `CREATE SCHEMA "we""ird"`)
	for _, table := range []string{`a"b`, `x"; drop table t; --`, `select`, `ünïcødé 名前`} {
		qt, _ := QuoteIdent(table)
		exec(t, db, `CREATE TABLE "we""ird".`+qt+` ("a""b" int, "x""; drop table t; --" text, "from" date, "名前" varchar(20), "new`+"\n"+`line" int)`)
		if _, err := db.Exec(`INSERT INTO "we""ird".`+qt+` VALUES (1, $1, '2024-02-29', '名前', 1), (7, 'it''s', NULL, NULL, 2)`, `"); drop table canary; --`); err != nil {
			t.Fatal(err)
		}
		t.Run(table, func(t *testing.T) {
			meta := tableMeta(t, db, `we"ird`, table)
			prof, _, err := profileTable(t, db, lore.DialectPostgres, meta, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if c := prof.Columns[`a"b`]; deref(c.Min) != "1" || deref(c.Max) != "7" {
				t.Errorf(`"a""b" min/max = %q/%q, want 1/7`, deref(c.Min), deref(c.Max))
			}
			if c := prof.Columns["from"]; deref(c.Min) != "2024-02-29" || *c.NullCount != 1 {
				t.Errorf(`"from" = %+v`, c)
			}
			got := strings.Join(prof.Columns[`x"; drop table t; --`].Samples, "|")
			if got != `"); drop table canary; --|it's` {
				t.Errorf("samples of the hostile text column = %q", got)
			}
			if s := prof.Columns["名前"].Samples; len(s) != 1 || s[0] != "名前" {
				t.Errorf("unicode column samples = %q", s)
			}
			if c := prof.Columns["new\nline"]; c.SkipReason == "" || c.NullCount != nil {
				t.Errorf("column with a newline = %+v, want skipped with a reason", c)
			}
		})
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_tables WHERE tablename IN ('t', 'canary')`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("tables t and canary: %d present (%v), want both untouched", n, err)
	}

	t.Run("table name with newline", func(t *testing.T) {
		exec(t, db, `CREATE TABLE "bad`+"\n"+`name" (id int)`)
		meta := tableMeta(t, db, "public", "bad\nname")
		prof, q, err := profileTable(t, db, lore.DialectPostgres, meta, Options{})
		if lore.ErrorCode(err) != lore.EINVALID || len(q.statements()) != 0 {
			t.Errorf("err = %v after %d statements, want %s before any", err, prof.Statements, lore.EINVALID)
		}
	})
}

// TestPrivacy checks that sensitive columns, by name or by value, keep only masked samples, and
// that no raw sensitive value appears anywhere in the profile.
func TestPrivacy(t *testing.T) {
	t.Parallel()
	db := openDB(t, testpg.NewDatabase(t))
	exec(t, db, `CREATE TABLE customers (id int, email varchar(100), contact text, notes text,
		nickname text, card_number bigint, birth_date date, secret_code text, empty_text text, empty_num numeric)`)
	raw := []string{"ann.lee@example.com", "bob@example.org", "4111 1111 1111 1111", "4012888888881881",
		"2016-03-01", "zebra-42", "carol@example.net"}
	if _, err := db.Exec(`INSERT INTO customers VALUES
		(1, $1::text, $1::text, $3, 'Ace', $4, $5, $6, NULL, NULL),
		(2, $2, $7, 'likes jazz', 'Bee', 4012888888881881, '1990-07-04', 'x', NULL, NULL)`,
		raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6]); err != nil {
		t.Fatal(err)
	}
	meta := tableMeta(t, db, "public", "customers")
	prof, _, err := profileTable(t, db, lore.DialectPostgres, meta, Options{NoSample: map[string]bool{"secret_code": true, "id": true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"email", "contact", "notes", "card_number", "birth_date"} {
		if !prof.Columns[name].Masked {
			t.Errorf("%s not masked: %+v", name, prof.Columns[name])
		}
	}
	if s := prof.Columns["email"].Samples; len(s) != 2 || s[0] != "xxx.xxx@xxxxxxx.xxx" {
		t.Errorf("email samples = %q, want masked shapes", s)
	}
	if c := prof.Columns["card_number"]; deref(c.Min) != "9999999999999999" {
		t.Errorf("card_number min = %q, want masked", deref(c.Min))
	}
	if c := prof.Columns["nickname"]; c.Masked || strings.Join(c.Samples, ",") != "Ace,Bee" {
		t.Errorf("nickname = %+v, want plain samples", c)
	}
	if c := prof.Columns["secret_code"]; c.Samples != nil || c.SkipReason == "" {
		t.Errorf("secret_code = %+v, want no samples and a reason", c)
	}
	if c := prof.Columns["id"]; c.Min != nil || c.Max != nil || c.SkipReason == "" || c.NullCount == nil {
		t.Errorf("id with values switched off = %+v, want a null count, no min/max and a reason", c)
	}
	for _, name := range []string{"empty_text", "empty_num"} {
		c := prof.Columns[name]
		if c.NullCount == nil || *c.NullCount != 2 || c.Min != nil || c.Samples != nil {
			t.Errorf("all-NULL %s = %+v, want 2 nulls and nothing else", name, c)
		}
	}
	out, err := json.Marshal(prof)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range append(raw, "1990-07-04") {
		if strings.Contains(string(out), v) {
			t.Errorf("raw value %q leaked into the profile: %s", v, out)
		}
	}
}

// TestWarehouseErrors covers a table dropped after the catalog read, SELECT refused, and
// statements cut by the profiler's timeout and by the server's statement_timeout.
func TestWarehouseErrors(t *testing.T) {
	t.Parallel()
	url := testpg.NewDatabase(t)
	db := openDB(t, url)
	exec(t, db, `CREATE TABLE open_t (id int, name text)`, `INSERT INTO open_t VALUES (1, 'a')`,
		`CREATE TABLE closed_t (id int, name text)`, `CREATE TABLE dropme (id int)`,
		`CREATE VIEW slow AS SELECT 1 AS n, 'x'::text AS s FROM pg_sleep(3)`)

	t.Run("dropped between catalog and profile", func(t *testing.T) {
		meta := tableMeta(t, db, "public", "dropme")
		exec(t, db, `DROP TABLE dropme`)
		_, _, err := profileTable(t, db, lore.DialectPostgres, meta, Options{})
		if lore.ErrorCode(err) != lore.ENOTFOUND || !strings.Contains(lore.ErrorMessage(err), "refresh the catalog") {
			t.Errorf("err = %v (code %s), want %s telling to refresh", err, lore.ErrorCode(err), lore.ENOTFOUND)
		}
	})

	t.Run("select refused", func(t *testing.T) {
		role := "lore_t_noread_" + strings.ToLower(strings.ReplaceAll(time.Now().Format("150405.000000"), ".", ""))
		exec(t, db, `CREATE ROLE `+role+` LOGIN`, `GRANT SELECT ON open_t TO `+role)
		t.Cleanup(func() {
			_, _ = db.Exec(`DROP OWNED BY ` + role)
			_, _ = db.Exec(`DROP ROLE ` + role)
		})
		limited := openDB(t, withUser(t, url, role))
		if _, _, err := profileTable(t, limited, lore.DialectPostgres, tableMeta(t, db, "public", "open_t"), Options{}); err != nil {
			t.Fatalf("granted table: %v", err)
		}
		_, _, err := profileTable(t, limited, lore.DialectPostgres, tableMeta(t, db, "public", "closed_t"), Options{})
		if lore.ErrorCode(err) != lore.EFORBIDDEN || !strings.Contains(lore.ErrorMessage(err), "grant SELECT") {
			t.Errorf("err = %v (code %s), want %s", err, lore.ErrorCode(err), lore.EFORBIDDEN)
		}
	})

	t.Run("profiler timeout", func(t *testing.T) {
		start := time.Now()
		_, _, err := profileTable(t, db, lore.DialectPostgres, tableMeta(t, db, "public", "slow"), Options{Timeout: 200 * time.Millisecond})
		if lore.ErrorCode(err) != lore.EUNAVAILABLE || !strings.Contains(lore.ErrorMessage(err), "timeout") {
			t.Errorf("err = %v (code %s), want %s naming the timeout", err, lore.ErrorCode(err), lore.EUNAVAILABLE)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %s; the statement was not cancelled", d)
		}
	})

	t.Run("server statement_timeout", func(t *testing.T) {
		short := openDB(t, withParam(t, url, "options", "-cstatement_timeout=100"))
		_, _, err := profileTable(t, short, lore.DialectPostgres, tableMeta(t, db, "public", "slow"), Options{})
		if lore.ErrorCode(err) != lore.EUNAVAILABLE {
			t.Errorf("err = %v (code %s), want %s", err, lore.ErrorCode(err), lore.EUNAVAILABLE)
		}
	})

	t.Run("caller cancelled", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		q := &pgQuerier{db: db, dialect: lore.DialectPostgres}
		_, err := Table(ctx, q, tableMeta(t, db, "public", "slow"), Options{})
		if err == nil || lore.ErrorCode(err) == lore.EUNAVAILABLE {
			t.Errorf("err = %v, want the caller's cancellation, not a statement timeout", err)
		}
	})
}

// withUser returns u connecting as user.
func withUser(t *testing.T, u, user string) string {
	t.Helper()
	p, err := neturl.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	p.User = neturl.User(user)
	return p.String()
}

// withParam returns u with the query parameter key set to value.
func withParam(t *testing.T, u, key, value string) string {
	t.Helper()
	p, err := neturl.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := p.Query()
	q.Set(key, value)
	p.RawQuery = q.Encode()
	return p.String()
}
