package web

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/catalog"
)

// Redshift target and credential modes of the connection form.
const (
	targetCluster    = "cluster"
	targetServerless = "serverless"
	authKeys         = "keys"
	authRole         = "role"
)

// storeOption is one card of the Data Store picker; Coming ones are shown greyed out.
type storeOption struct {
	Type, Label, Blurb string
	Coming             bool
}

// storeOptions is the Data Store picker, supported stores first.
var storeOptions = []storeOption{
	{Type: lore.TypeRedshift, Label: "Amazon Redshift", Blurb: "Provisioned clusters and Serverless, through the Redshift Data API."},
	{Type: lore.TypePostgres, Label: "PostgreSQL", Blurb: "PostgreSQL 13 or later, over TLS."},
	{Type: "snowflake", Label: "Snowflake", Blurb: "Coming later.", Coming: true},
	{Type: "bigquery", Label: "BigQuery", Blurb: "Coming later.", Coming: true},
	{Type: "databricks", Label: "Databricks", Blurb: "Coming later.", Coming: true},
}

// sslModes are the choices of the PostgreSQL sslmode select, the default first.
var sslModes = []struct{ Value, Label string }{
	{"require", "require: encrypt, do not verify the certificate (default)"},
	{"verify-full", "verify-full: encrypt and verify the server's certificate and name (recommended for production)"},
	{"prefer", "prefer: encrypt when the server offers it"},
	{"disable", "disable: no encryption (local development only)"},
}

// formKeys are the config keys the HTML form edits per type; other stored keys (set through
// the API) are carried over unchanged when the form saves.
var formKeys = map[string][]string{
	lore.TypeRedshift: {"region", "database", "cluster_identifier", "db_user", "workgroup_name", "role_arn", "endpoint_url"},
	lore.TypePostgres: {"host", "port", "database", "user", "sslmode"},
}

// connForm is what the connection form shows: the values typed or stored, never a secret.
type connForm struct {
	Name   string
	Type   string
	Config map[string]string
	Target string // Redshift: cluster or serverless
	Auth   string // Redshift: keys or role
	// Settings are the processing settings; zero fields show their default as a placeholder.
	Settings lore.ConnectionSettings
}

// settingsDefaults are shown beside the processing settings.
var settingsDefaults = lore.ConnectionSettings{}.WithDefaults()

// parseSettings reads the processing settings of the form; blank fields mean the default. A
// malformed number is kept as 0 (the default) and reported by the catalog's range check when
// negative.
func parseSettings(v url.Values) *lore.ConnectionSettings {
	num := func(k string) int64 {
		n, err := strconv.ParseInt(strings.TrimSpace(v.Get(k)), 10, 64)
		if err != nil {
			return 0
		}
		return n
	}
	return &lore.ConnectionSettings{
		SampleRows: int(num("sample_rows")), SamplesPerColumn: int(num("samples_per_column")), MaxRows: num("max_rows"),
		Concurrency: int(num("concurrency")), TimeoutSeconds: int(num("timeout_seconds")), ProfileExternal: v.Get("profile_external") == "on",
	}
}

// newConnForm returns the form of a new connection of type typ with its defaults.
func newConnForm(typ string) connForm {
	f := connForm{Type: typ, Config: map[string]string{}, Target: targetCluster, Auth: authKeys}
	if typ == lore.TypePostgres {
		f.Config["port"] = "5432"
		f.Config["sslmode"] = "require"
	}
	return f
}

// connFormOf fills the form from a stored connection.
func connFormOf(c *lore.Connection) connForm {
	f := connForm{Name: c.Name, Type: c.Type, Config: map[string]string{}, Target: targetCluster, Auth: authKeys, Settings: c.Settings}
	for k, v := range c.Config {
		f.Config[k] = v
	}
	if f.Config["workgroup_name"] != "" {
		f.Target = targetServerless
	}
	if f.Config["role_arn"] != "" {
		f.Auth = authRole
	}
	return f
}

// parseConnForm reads a posted connection form into the form to show again and the input
// for the catalog. Fields of the mode not chosen (a workgroup when a cluster is chosen, keys
// when a role is chosen) are dropped. Config keys the form does not edit are kept from old.
func parseConnForm(v url.Values, typ string, old *lore.Connection) (connForm, lore.ConnectionInput) {
	f := connForm{Name: strings.TrimSpace(v.Get("name")), Type: typ, Config: map[string]string{},
		Target: v.Get("target"), Auth: v.Get("auth")}
	if f.Target != targetServerless {
		f.Target = targetCluster
	}
	if f.Auth != authRole {
		f.Auth = authKeys
	}
	for _, k := range formKeys[typ] {
		if val := strings.TrimSpace(v.Get(k)); val != "" {
			f.Config[k] = val
		}
	}
	in := lore.ConnectionInput{Name: f.Name, Type: typ, Config: map[string]string{}, Secrets: map[string]string{}, Settings: parseSettings(v)}
	f.Settings = *in.Settings
	for k, val := range f.Config {
		in.Config[k] = val
	}
	if typ == lore.TypeRedshift {
		drop := []string{"workgroup_name"}
		if f.Target == targetServerless {
			drop = []string{"cluster_identifier", "db_user"}
		}
		if f.Auth == authKeys {
			drop = append(drop, "role_arn")
		}
		for _, k := range drop {
			delete(in.Config, k)
		}
	}
	if old != nil {
		editable := map[string]bool{}
		for _, k := range formKeys[typ] {
			editable[k] = true
		}
		for k, val := range old.Config {
			if !editable[k] {
				in.Config[k] = val
			}
		}
	}
	for _, name := range catalog.SecretNames(typ) {
		if typ == lore.TypeRedshift && f.Auth == authRole {
			// An IAM role replaces stored access keys: clear them so that the role is not
			// assumed with the old keys.
			if old != nil && old.Secrets[name].Set {
				in.ClearSecrets = append(in.ClearSecrets, name)
			}
			continue
		}
		if val := v.Get(name); strings.TrimSpace(val) != "" {
			in.Secrets[name] = val
		}
	}
	return f, in
}

// orPlaceholder returns v, or a placeholder in capitals the admin replaces.
func orPlaceholder(v, placeholder string) string {
	if v == "" {
		return placeholder
	}
	return v
}

// redshiftPolicy returns the least-privilege IAM policy Lore's identity needs for the form's
// target, with the known names filled in and the rest as placeholders.
func redshiftPolicy(f connForm) string {
	region := orPlaceholder(f.Config["region"], "REGION")
	db := orPlaceholder(f.Config["database"], "DATABASE")
	prefix := "arn:aws:redshift:" + region + ":ACCOUNT_ID:"
	statements := []map[string]any{{
		"Sid":    "LoreDataAPI",
		"Effect": "Allow",
		"Action": []string{"redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement",
			"redshift-data:ListDatabases", "redshift-data:ListSchemas", "redshift-data:ListTables", "redshift-data:DescribeTable"},
		"Resource": nil,
	}, {
		"Sid":       "LoreOwnStatements",
		"Effect":    "Allow",
		"Action":    []string{"redshift-data:DescribeStatement", "redshift-data:GetStatementResult", "redshift-data:CancelStatement", "redshift-data:ListStatements"},
		"Resource":  "*",
		"Condition": map[string]any{"StringEquals": map[string]string{"redshift-data:statement-owner-iam-userid": "${aws:userid}"}},
	}}
	if f.Target == targetServerless {
		wg := "arn:aws:redshift-serverless:" + region + ":ACCOUNT_ID:workgroup/WORKGROUP_ID"
		statements[0]["Resource"] = wg
		statements = append(statements, map[string]any{
			"Sid": "LoreServerlessCredentials", "Effect": "Allow",
			"Action": "redshift-serverless:GetCredentials", "Resource": wg,
		})
	} else {
		cluster := orPlaceholder(f.Config["cluster_identifier"], "CLUSTER_ID")
		statements[0]["Resource"] = prefix + "cluster:" + cluster
		creds := map[string]any{"Sid": "LoreClusterCredentials", "Effect": "Allow"}
		if u := f.Config["db_user"]; u != "" {
			creds["Action"] = "redshift:GetClusterCredentials"
			creds["Resource"] = []string{prefix + "dbuser:" + cluster + "/" + u, prefix + "dbname:" + cluster + "/" + db}
		} else {
			creds["Action"] = "redshift:GetClusterCredentialsWithIAM"
			creds["Resource"] = prefix + "dbname:" + cluster + "/" + db
		}
		statements = append(statements, creds)
	}
	return prettyJSON(map[string]any{"Version": "2012-10-17", "Statement": statements})
}

// trustPolicy returns the trust policy of the role Lore assumes, requiring the connection's
// ExternalId (or a placeholder before the connection is saved).
func trustPolicy(externalID string) string {
	return prettyJSON(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect":    "Allow",
			"Principal": map[string]string{"AWS": "arn:aws:iam::LORE_ACCOUNT_ID:role/LORE_RUNTIME_ROLE"},
			"Action":    "sts:AssumeRole",
			"Condition": map[string]any{"StringEquals": map[string]string{"sts:ExternalId": orPlaceholder(externalID, "MINTED_WHEN_SAVED")}},
		}},
	})
}

// grantSQL returns the grants the database user needs on one schema.
func grantSQL(f connForm) string {
	user := f.Config["db_user"]
	if f.Type == lore.TypePostgres {
		user = f.Config["user"]
	}
	if user == "" {
		user = `"IAM:role_or_user_name"`
	}
	return "GRANT USAGE ON SCHEMA myschema TO " + user + ";\nGRANT SELECT ON ALL TABLES IN SCHEMA myschema TO " + user + ";"
}

func prettyJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
