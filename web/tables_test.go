package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lorehq/lore"
)

// checkTable exercises the table JSON, PATCH, the table page and its forms on a processed
// tickit.sales. It runs inside TestMetadataSelectProcessRefresh, which builds the warehouse.
func checkTable(t *testing.T, m *metaWorld, browser *http.Client, id int64) {
	t.Helper()
	path := fmt.Sprintf("/api/v1/tables/%d", id)
	var tb lore.Table
	if st := m.API(t, m.AdminToken, "GET", path, nil, &tb); st != http.StatusOK {
		t.Fatalf("get table: status %d", st)
	}
	if tb.Name != "sales" || len(tb.Columns) < 5 {
		t.Fatalf("table JSON: %+v", tb)
	}
	for _, c := range tb.Columns {
		if c.Name == "" || c.Type == "" {
			t.Fatalf("column without name or type: %+v", c)
		}
	}

	patch := map[string]any{"description": "One row per ticket sale.", "columns": map[string]string{"qtysold": "Tickets sold."}}
	if st := m.API(t, m.AdminToken, "PATCH", path, patch, &tb); st != http.StatusOK {
		t.Fatalf("patch table: status %d", st)
	}
	if tb.Description.Text != "One row per ticket sale." || tb.Description.Source != lore.SourceHuman {
		t.Fatalf("table description after PATCH: %+v", tb.Description)
	}
	if c := column(tb, "qtysold"); c == nil || c.Description.Text != "Tickets sold." || c.Description.Source != lore.SourceHuman {
		t.Fatalf("column description after PATCH: %+v", c)
	}
	if st := m.API(t, m.AdminToken, "PATCH", path, map[string]any{"columns": map[string]string{"nope": "x"}}, nil); st != http.StatusBadRequest {
		t.Fatalf("patch unknown column: status %d", st)
	}

	st, body := metaGet(t, browser, m.URL+fmt.Sprintf("/tables/%d", id))
	if st != http.StatusOK || !strings.Contains(body, "qtysold") || !strings.Contains(body, "Tickets sold.") || !strings.Contains(body, "src-human") {
		t.Fatalf("table page: %d %s", st, body)
	}

	// The "do not sample" switch through an htmx form post returns the refreshed view.
	form := url.Values{"column": {"pricepaid"}, "on": {"true"}}
	req, _ := http.NewRequest("POST", m.URL+fmt.Sprintf("/tables/%d/nosample", id), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("nosample: status %d", resp.StatusCode)
	}
	m.API(t, m.AdminToken, "GET", path, nil, &tb)
	if c := column(tb, "pricepaid"); c == nil || !c.NoSample {
		t.Fatalf("pricepaid not switched off: %+v", c)
	}

	// Members cannot read a table they have no persona for.
	_, memberToken := m.CreateUser(t, "member@example.com", false)
	if st := m.API(t, memberToken, "GET", path, nil, nil); st != http.StatusForbidden {
		t.Fatalf("member GET table: status %d", st)
	}
}

func column(t lore.Table, name string) *lore.Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}
