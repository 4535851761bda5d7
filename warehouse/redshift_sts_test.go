package warehouse

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lorehq/lore/internal/testaws"
)

// roleConfig is a Redshift configuration that assumes role arn through the STS endpoint stsURL.
func roleConfig(stsURL, dataURL string) Config {
	return Config{
		Settings: map[string]string{"region": "us-east-1", "database": "dev", "cluster_identifier": "lore-local",
			"role_arn": "arn:aws:iam::123456789012:role/lore-reader", "sts_endpoint_url": stsURL, "endpoint_url": dataURL},
		Secrets:    map[string]string{"access_key_id": "testing", "secret_access_key": "testing"},
		ExternalID: "lore-ext-0123",
	}
}

// TestRedshiftAssumeRoleMoto assumes a role through moto's STS and checks that the temporary
// credentials are cached.
func TestRedshiftAssumeRoleMoto(t *testing.T) {
	t.Parallel()
	m := testaws.Start(t)
	c := openRS(t, roleConfig(m.URL, "http://127.0.0.1:1"))
	ctx := testaws.Context(t)
	first, err := c.creds.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.AccessKeyID == "testing" || first.SessionToken == "" || !first.CanExpire || time.Until(first.Expires) < 10*time.Minute {
		t.Fatalf("assumed-role credentials look wrong: key %s, expires %v", first.AccessKeyID, first.Expires)
	}
	second, err := c.creds.Retrieve(ctx)
	if err != nil || second.AccessKeyID != first.AccessKeyID {
		t.Errorf("credentials were not cached: %s then %s (%v)", first.AccessKeyID, second.AccessKeyID, err)
	}
}

// fakeSTS answers AssumeRole: refusing it, or granting credentials that expire after life. moto
// cannot refuse (it does not evaluate trust policies), so refusal and expiry use this fake.
func fakeSTS(t *testing.T, refuse bool, life time.Duration) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "AssumeRole" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		if refuse || r.Form.Get("ExternalId") != "lore-ext-0123" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>`+
				`<Message>User: arn:aws:iam::111111111111:user/lore is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/lore-reader</Message></Error><RequestId>r1</RequestId></ErrorResponse>`)
			return
		}
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>`+
			`<AccessKeyId>ASIAFAKE%d</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>tok</SessionToken><Expiration>%s</Expiration>`+
			`</Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/lore-reader/lore</Arn><AssumedRoleId>AROA1:lore</AssumedRoleId></AssumedRoleUser>`+
			`</AssumeRoleResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></AssumeRoleResponse>`,
			calls.Load(), time.Now().Add(life).UTC().Format(time.RFC3339))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestRedshiftAssumeRoleRefused(t *testing.T) {
	t.Parallel()
	sts, _ := fakeSTS(t, true, time.Hour)
	rep := openRS(t, roleConfig(sts.URL, sts.URL)).Test(context.Background())
	ch := failedCheck(rep)
	if ch.Name != CheckCredentials || !strings.Contains(ch.Message, "trust policy") || !strings.Contains(ch.Message, "lore-ext-0123") {
		t.Errorf("refused role: %+v", rep)
	}
}

func TestRedshiftCredentialsRefreshBeforeExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Credentials that expire in 3 minutes are inside the refresh window: each use renews them.
	sts, calls := fakeSTS(t, false, 3*time.Minute)
	c := openRS(t, roleConfig(sts.URL, sts.URL))
	for i := 0; i < 2; i++ {
		if _, err := c.creds.Retrieve(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if calls.Load() != 2 {
		t.Errorf("near-expiry credentials: %d AssumeRole calls, want 2", calls.Load())
	}
	// Credentials valid for an hour are reused.
	sts, calls = fakeSTS(t, false, time.Hour)
	c = openRS(t, roleConfig(sts.URL, sts.URL))
	for i := 0; i < 3; i++ {
		if _, err := c.creds.Retrieve(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("fresh credentials: %d AssumeRole calls, want 1", calls.Load())
	}
}
