package warehouse

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata/types"

	"github.com/lorehq/lore"
)

// rsStatementTimeout bounds the test statement: a paused serverless workgroup takes a while
// to resume.
const rsStatementTimeout = 90 * time.Second

// rsReadableSchemasSQL lists the schemas holding at least one table the database user may
// select from, and the user itself. lore_redshift holds the local endpoint's system views.
const rsReadableSchemasSQL = `SELECT n.nspname::varchar, current_user::varchar FROM pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_internal', 'pg_automv', 'catalog_history', 'lore_redshift')
  AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp_%'
  AND has_schema_privilege(n.nspname, 'USAGE')
  AND EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'v')
              AND has_table_privilege(c.oid, 'SELECT'))
ORDER BY 1`

// Test checks, in order: the Data API endpoint answers; the AWS credentials are valid (the
// role can be assumed, the signature matches); the identity may call the Data API; the cluster
// or workgroup exists; the database accepts the user; and which schemas the user can read.
// It saves nothing.
func (c *redshiftConn) Test(ctx context.Context) TestReport {
	var b reportBuilder
	b.run(CheckEndpoint, func() (string, error) { return c.checkEndpoint(ctx) })
	var probeErr error
	b.run(CheckCredentials, func() (string, error) {
		cctx, cancel := context.WithTimeout(ctx, checkTimeout)
		defer cancel()
		msg := "The access key is valid."
		if c.s.roleARN != "" {
			if _, err := c.creds.Retrieve(cctx); err != nil {
				return "", c.apiError(cctx, err, "assume the role")
			}
			msg = fmt.Sprintf("Lore assumed role %s.", c.s.roleARN)
		}
		probeErr = c.probe(cctx)
		switch checkOf(probeErr) {
		case CheckEndpoint, CheckCredentials:
			return "", probeErr
		}
		return msg, nil
	})
	b.run(CheckDataAPI, func() (string, error) {
		if probeErr != nil {
			return "", probeErr
		}
		return "The identity may call the Redshift Data API.", nil
	})
	sctx, cancel := context.WithTimeout(ctx, rsStatementTimeout)
	defer cancel()
	var st statement
	var execErr error
	b.run(CheckTarget, func() (string, error) {
		st, execErr = c.submit(sctx, "", rsReadableSchemasSQL, nil)
		if execErr != nil && checkOf(execErr) != CheckDatabase {
			return "", execErr
		}
		return fmt.Sprintf("%s answers in region %s.", capitalize(c.s.targetName()), c.s.region), nil
	})
	var schemas []string
	var user string
	b.run(CheckDatabase, func() (string, error) {
		if execErr != nil {
			return "", execErr
		}
		if _, err := c.wait(sctx, st); err != nil {
			return "", err
		}
		err := c.results(sctx, st, func(_ []string, rows [][]*string) error {
			for _, r := range rows {
				if len(r) == 2 && r[0] != nil && r[1] != nil {
					schemas = append(schemas, *r[0])
					user = *r[1]
				}
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Database %s is open.", c.s.database), nil
	})
	b.run(CheckGrants, func() (string, error) {
		if len(schemas) == 0 {
			who := c.s.dbUser
			if who == "" {
				who = "the database user of this IAM identity"
			}
			return "", failed(CheckGrants, lore.EFORBIDDEN, "%s cannot read any table in database %s. Grant access, for example: GRANT USAGE ON SCHEMA myschema TO %s; GRANT SELECT ON ALL TABLES IN SCHEMA myschema TO %s;", capitalize(who), c.s.database, who, who)
		}
		b.r.Schemas = schemas
		return fmt.Sprintf("User %s can read %d schema(s): %s.", user, len(schemas), strings.Join(schemas, ", ")), nil
	})
	return b.report()
}

// checkEndpoint opens a TCP connection to the Data API endpoint.
func (c *redshiftConn) checkEndpoint(ctx context.Context) (string, error) {
	u, err := url.Parse(c.s.dataAPIURL())
	if err != nil {
		return "", failed(CheckEndpoint, lore.EINVALID, "endpoint_url does not parse: %v", err)
	}
	host := u.Host
	if u.Port() == "" {
		port := "443"
		if u.Scheme == "http" {
			port = "80"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	d := net.Dialer{Timeout: checkTimeout}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		hint := "Check endpoint_url and that Lore can reach it."
		if c.s.endpointURL == "" {
			hint = fmt.Sprintf("Check that %s is an AWS region with Redshift and that Lore can reach AWS over HTTPS.", c.s.region)
		}
		return "", failed(CheckEndpoint, lore.EUNAVAILABLE, "Cannot reach the Redshift Data API at %s: %s. %s", c.s.dataAPIURL(), netReason(err), hint)
	}
	conn.Close()
	return fmt.Sprintf("%s answers.", c.s.dataAPIURL()), nil
}

// probe calls DescribeStatement for a statement id that does not exist: AWS checks the
// signature and the IAM permission first, so "not found" proves both without touching the
// cluster.
func (c *redshiftConn) probe(ctx context.Context) error {
	_, err := c.client.DescribeStatement(ctx, &redshiftdata.DescribeStatementInput{Id: aws.String(newStatementID())})
	var nf *types.ResourceNotFoundException
	var ve *types.ValidationException
	if err == nil || errors.As(err, &nf) || errors.As(err, &ve) {
		return nil
	}
	return c.apiError(ctx, err, "call the Data API")
}

// newStatementID returns a random, well-formed statement id.
func newStatementID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
