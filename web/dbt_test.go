package web_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/loretest"
	"github.com/lorehq/lore/internal/testpg"
)

// dbtReport is the part of a dbt report the tests read.
type dbtReport struct {
	Project       string   `json:"project"`
	Adapter       string   `json:"adapter"`
	SchemaVersion int      `json:"schema_version"`
	Nodes         int      `json:"nodes"`
	Unmatched     []string `json:"unmatched"`
	Error         *struct{ Code, Message string }
}

// dbtSend posts body with contentType as token and returns the status and the decoded report.
func dbtSend(t *testing.T, c *http.Client, token, u, contentType string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// dbtMultipart builds a multipart body with the given file fields.
func dbtMultipart(t *testing.T, files map[string][]byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for field, data := range files {
		fw, err := mw.CreateFormFile(field, field+".json")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func TestDBTUpload(t *testing.T) {
	t.Parallel()
	l := loretest.New(t, loretest.Options{NoWork: true})
	manifest, err := os.ReadFile(filepath.Join(testpg.SharedDir(t), "testdata", "dbt", "tickit_redshift", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := l.Service.CreateConnection(t.Context(), l.Admin, lore.ConnectionInput{Name: "rs", Type: lore.TypeRedshift,
		Config:  map[string]string{"region": "us-east-1", "database": "dev", "cluster_identifier": "c1"},
		Secrets: map[string]string{"access_key_id": "AKIAEXAMPLE", "secret_access_key": "s"}})
	if err != nil {
		t.Fatal(err)
	}
	api := fmt.Sprintf("%s/api/v1/connections/%d/dbt", l.URL, rs.ID)
	c := http.DefaultClient

	code, body := dbtSend(t, c, l.AdminToken, api, "application/json", manifest)
	var rep dbtReport
	if code != http.StatusOK || jsonInto(t, body, &rep) != nil || rep.Project != "analytics" || rep.Adapter != "redshift" || rep.SchemaVersion != 12 || rep.Nodes == 0 || len(rep.Unmatched) == 0 {
		t.Fatalf("upload raw: status %d: %.300s", code, body)
	}

	// Garbage is refused and the last report stays.
	for _, garbage := range [][]byte{[]byte("not json"), []byte(`{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/manifest/v1.json"}}`)} {
		if code, body = dbtSend(t, c, l.AdminToken, api, "application/json", garbage); code != http.StatusBadRequest || !strings.Contains(body, `"message"`) {
			t.Errorf("garbage %.20q: status %d: %s", garbage, code, body)
		}
	}
	ctype, mp := dbtMultipart(t, map[string][]byte{"manifest": []byte("{")})
	if code, body = dbtSend(t, c, l.AdminToken, api, ctype, mp); code != http.StatusBadRequest {
		t.Errorf("garbage multipart: status %d: %s", code, body)
	}
	if st, err := l.Service.DBTStatus(t.Context(), rs.ID); err != nil || st == nil || st.Project != "analytics" {
		t.Fatalf("status after garbage: %+v, %v", st, err)
	}

	// A Snowflake project does not fit a Redshift connection.
	snow, err := os.ReadFile(filepath.Join(testpg.SharedDir(t), "testdata", "dbt", "jaffle_shop_snowflake", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if code, body = dbtSend(t, c, l.AdminToken, api, "application/json", snow); code != http.StatusBadRequest || !strings.Contains(body, "snowflake") {
		t.Errorf("other warehouse: status %d: %.300s", code, body)
	}

	// The page: multipart upload, report shown; a bad file shows its message, not a crash.
	b := l.Browser(t)
	page := fmt.Sprintf("%s/connections/%d/dbt", l.URL, rs.ID)
	ctype, mp = dbtMultipart(t, map[string][]byte{"manifest": manifest})
	if code, body = dbtSend(t, b, "", page, ctype, mp); code != http.StatusOK || !strings.Contains(body, "analytics") || !strings.Contains(body, "Manifest schema") || !strings.Contains(body, "This upload") {
		t.Fatalf("page upload: status %d", code)
	}
	ctype, mp = dbtMultipart(t, map[string][]byte{"catalog": []byte("{}")})
	if code, body = dbtSend(t, b, "", page, ctype, mp); code != http.StatusBadRequest || !strings.Contains(body, "Choose the manifest.json") {
		t.Fatalf("page without manifest: status %d", code)
	}

	_, memberToken := l.CreateUser(t, "member@example.com", false)
	if code, _ = dbtSend(t, c, memberToken, api, "application/json", manifest); code != http.StatusForbidden {
		t.Errorf("member upload: status %d", code)
	}
}
