package warehouse

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/lorehq/lore"
)

// redshiftSettings is a validated Redshift configuration.
type redshiftSettings struct {
	region, database, cluster, workgroup, dbUser string
	roleARN, externalID                          string
	endpointURL, stsEndpointURL                  string
	accessKeyID, secretAccessKey, sessionToken   string
	timeout                                      time.Duration
}

var (
	regionRe    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)
	clusterRe   = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	workgroupRe = regexp.MustCompile(`^([a-z0-9-]{3,63}|arn:aws[a-z-]*:redshift-serverless:[a-z0-9-]+:\d{12}:workgroup/[0-9a-f-]+)$`)
	roleARNRe   = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)
	keyIDRe     = regexp.MustCompile(`^[A-Za-z0-9]{3,128}$`)
)

// newRedshiftSettings validates cfg and returns an EINVALID error naming the first bad field.
func newRedshiftSettings(cfg Config) (redshiftSettings, error) {
	s := redshiftSettings{
		region: cfg.get("region"), database: cfg.get("database"),
		cluster: cfg.get("cluster_identifier"), workgroup: cfg.get("workgroup_name"),
		dbUser: cfg.get("db_user"), roleARN: cfg.get("role_arn"), externalID: cfg.ExternalID,
		endpointURL: cfg.get("endpoint_url"), stsEndpointURL: cfg.get("sts_endpoint_url"),
		accessKeyID: strings.TrimSpace(cfg.secret("access_key_id")), secretAccessKey: cfg.secret("secret_access_key"),
		sessionToken: cfg.secret("session_token"),
	}
	bad := func(format string, args ...any) (redshiftSettings, error) {
		return s, lore.Errorf(lore.EINVALID, format, args...)
	}
	switch {
	case !regionRe.MatchString(s.region):
		return bad("region: %q is not an AWS region; use the code of the cluster's region, such as us-east-1.", s.region)
	case s.database == "":
		return bad("database: enter the database to connect to (for example dev).")
	case s.cluster == "" && s.workgroup == "":
		return bad("cluster_identifier: enter a provisioned cluster identifier, or a serverless workgroup_name instead.")
	case s.cluster != "" && s.workgroup != "":
		return bad("cluster_identifier and workgroup_name are both set: keep the cluster identifier for a provisioned cluster or the workgroup name for Redshift Serverless, not both.")
	case s.cluster != "" && (len(s.cluster) > 63 || !clusterRe.MatchString(s.cluster)):
		return bad("cluster_identifier: %q is not a cluster identifier (lower-case letters, digits and single hyphens, starting with a letter, at most 63 characters).", s.cluster)
	case s.workgroup != "" && !workgroupRe.MatchString(s.workgroup):
		return bad("workgroup_name: %q is not a workgroup name (3 to 63 lower-case letters, digits and hyphens) or workgroup ARN.", s.workgroup)
	case s.workgroup != "" && s.dbUser != "":
		return bad("db_user: Redshift Serverless logs in as the IAM identity; clear db_user or use a provisioned cluster.")
	case strings.ContainsAny(s.dbUser, " \t\n\"'"):
		return bad("db_user: %q contains spaces or quotes; enter the database user name exactly.", s.dbUser)
	case s.accessKeyID == "" && s.secretAccessKey != "":
		return bad("access_key_id: enter the access key id that belongs to the secret access key.")
	case s.accessKeyID != "" && s.secretAccessKey == "":
		return bad("secret_access_key: enter the secret access key of access key id %s.", s.accessKeyID)
	case s.accessKeyID != "" && !keyIDRe.MatchString(s.accessKeyID):
		return bad("access_key_id: an access key id has only letters and digits (like AKIAIOSFODNN7EXAMPLE); check for stray characters.")
	case s.accessKeyID == "" && s.roleARN == "":
		return bad("access_key_id: enter an access key id and secret access key, or an IAM role_arn for Lore to assume.")
	case s.roleARN != "" && !roleARNRe.MatchString(s.roleARN):
		return bad("role_arn: %q is not an IAM role ARN (arn:aws:iam::123456789012:role/name).", s.roleARN)
	case s.roleARN != "" && s.externalID == "":
		return bad("role_arn: the connection has no ExternalId to assume the role with; save the connection so that Lore mints one.")
	}
	for key, u := range map[string]string{"endpoint_url": s.endpointURL, "sts_endpoint_url": s.stsEndpointURL} {
		if u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return bad("%s: %q is not an http(s) URL such as https://redshift-data.us-east-1.amazonaws.com.", key, u)
		}
	}
	t, err := cfg.statementTimeout()
	s.timeout = t
	return s, err
}

// dataAPIURL returns the endpoint the Data API client talks to.
func (s redshiftSettings) dataAPIURL() string {
	if s.endpointURL != "" {
		return s.endpointURL
	}
	suffix := "amazonaws.com"
	if strings.HasPrefix(s.region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	return "https://redshift-data." + s.region + "." + suffix
}

// targetName names the cluster or workgroup for messages.
func (s redshiftSettings) targetName() string {
	if s.cluster != "" {
		return "cluster " + s.cluster
	}
	return "workgroup " + s.workgroup
}

// redshiftConn is a Conn to Redshift through the Data API.
type redshiftConn struct {
	s          redshiftSettings
	client     *redshiftdata.Client
	creds      *aws.CredentialsCache
	statements atomic.Int64
	apiCalls   atomic.Int64
}

// credentialLifetime is how long an assumed-role session lasts; the cache renews it five
// minutes (minus jitter) before it expires.
const credentialLifetime = time.Hour

func openRedshift(ctx context.Context, cfg Config) (*redshiftConn, error) {
	s, err := newRedshiftSettings(cfg)
	if err != nil {
		return nil, err
	}
	var base aws.CredentialsProvider
	if s.accessKeyID != "" {
		base = credentials.NewStaticCredentialsProvider(s.accessKeyID, s.secretAccessKey, s.sessionToken)
	} else {
		// Lore's own identity (environment, instance or task role) assumes the customer's role;
		// the ExternalId guards against a confused deputy.
		ac, err := config.LoadDefaultConfig(ctx, config.WithRegion(s.region))
		if err != nil {
			return nil, lore.Errorf(lore.EUNAVAILABLE, "Lore's own AWS credentials, needed to assume role_arn, could not be loaded: %v", err)
		}
		base = ac.Credentials
	}
	prov := base
	if s.roleARN != "" {
		so := sts.Options{Region: s.region, Credentials: base, AppID: "lore"}
		if s.stsEndpointURL != "" {
			so.BaseEndpoint = aws.String(s.stsEndpointURL)
		}
		ext := s.externalID
		prov = stscreds.NewAssumeRoleProvider(sts.New(so), s.roleARN, func(o *stscreds.AssumeRoleOptions) {
			o.ExternalID = &ext
			o.RoleSessionName = "lore-" + strings.ToLower(strings.ReplaceAll(s.database, "_", "-"))
			o.Duration = credentialLifetime
		})
	}
	c := &redshiftConn{s: s}
	c.creds = aws.NewCredentialsCache(prov, func(o *aws.CredentialsCacheOptions) {
		o.ExpiryWindow = 5 * time.Minute
		o.ExpiryWindowJitterFrac = 0.2
	})
	opts := redshiftdata.Options{
		Region: s.region, Credentials: c.creds, AppID: "lore",
		APIOptions: []func(*middleware.Stack) error{c.countCalls},
	}
	if s.endpointURL != "" {
		opts.BaseEndpoint = aws.String(s.endpointURL)
	}
	c.client = redshiftdata.New(opts)
	return c, nil
}

// countCalls adds a middleware that counts every Data API operation called (retries of one
// call count once).
func (c *redshiftConn) countCalls(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("LoreCountCalls",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c.apiCalls.Add(1)
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
}

// Stats returns the statements run and Data API calls made.
func (c *redshiftConn) Stats() Stats {
	return Stats{Statements: c.statements.Load(), APICalls: c.apiCalls.Load()}
}

// Close releases nothing: the Data API is connectionless.
func (c *redshiftConn) Close() error { return nil }

// Catalog reads the selected tables; see CatalogEach.
func (c *redshiftConn) Catalog(ctx context.Context, sel Selection) ([]lore.TableMeta, error) {
	return collect(ctx, c, sel)
}

// Dialect returns lore.DialectRedshift.
func (c *redshiftConn) Dialect() lore.Dialect { return lore.DialectRedshift }

// Query runs a read-only statement in the configured database; see redshiftQuerier.Query.
func (c *redshiftConn) Query(ctx context.Context, sql string, args ...any) (*lore.ResultSet, error) {
	return c.QuerierFor(c.s.database).Query(ctx, sql, args...)
}

// QuerierFor returns a lore.Querier that runs statements connected to database db.
func (c *redshiftConn) QuerierFor(db string) lore.Querier { return redshiftQuerier{c: c, db: db} }

// redshiftQuerier runs Lore's read-only statements in one database.
type redshiftQuerier struct {
	c  *redshiftConn
	db string
}

// Dialect returns lore.DialectRedshift.
func (q redshiftQuerier) Dialect() lore.Dialect { return lore.DialectRedshift }

// Query runs sql, which must be a SELECT (or WITH … SELECT), with args bound as :p1, :p2…, and
// returns every value as text; DECIMAL stays exact. The Data API has no NULL or empty
// parameters, so those return EINVALID.
func (q redshiftQuerier) Query(ctx context.Context, sql string, args ...any) (*lore.ResultSet, error) {
	if !isReadOnlySQL(sql) {
		return nil, lore.Errorf(lore.EINVALID, "Only SELECT statements run on Redshift through Lore.")
	}
	params, err := sqlParams(args)
	if err != nil {
		return nil, err
	}
	rs := &lore.ResultSet{}
	err = q.c.run(ctx, q.db, sql, params, func(cols []string, rows [][]*string) error {
		if rs.Columns == nil {
			rs.Columns = cols
		}
		rs.Rows = append(rs.Rows, rows...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rs, nil
}

// isReadOnlySQL reports whether sql starts, after comments, with SELECT or WITH.
func isReadOnlySQL(sql string) bool {
	s := strings.TrimSpace(sql)
	for {
		switch {
		case strings.HasPrefix(s, "--"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return false
			}
			s = strings.TrimSpace(s[i+1:])
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return false
			}
			s = strings.TrimSpace(s[i+2:])
		default:
			words := strings.FieldsFunc(s, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') })
			if len(words) == 0 {
				return false
			}
			w := strings.ToUpper(words[0])
			return w == "SELECT" || w == "WITH"
		}
	}
}

// stringer is satisfied by values with their own text form.
type stringer interface{ String() string }

func paramText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.999999"), nil
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return fmt.Sprint(x), nil
	case stringer:
		return x.String(), nil
	}
	return "", lore.Errorf(lore.EINVALID, "A %T cannot be sent as a Redshift parameter.", v)
}
