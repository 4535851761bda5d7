package warehouse

import (
	"context"
	"errors"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/lorehq/lore"
)

// checkError is a user-facing error together with the connection check it shows failing, so
// that Test can name the failing check precisely. Unwrap exposes the *lore.Error.
type checkError struct {
	check string
	err   *lore.Error
}

func (e *checkError) Error() string { return e.err.Error() }
func (e *checkError) Unwrap() error { return e.err }

func failed(check, code, format string, args ...any) error {
	return &checkError{check: check, err: lore.Errorf(code, format, args...)}
}

// checkOf returns the check an error belongs to, or "".
func checkOf(err error) string {
	var ce *checkError
	if errors.As(err, &ce) {
		return ce.check
	}
	return ""
}

func apiCode(err error) (code, msg string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "", ""
}

func isThrottle(err error) bool {
	code, _ := apiCode(err)
	switch code {
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "ThrottledException":
		return true
	}
	return false
}

func isServerFault(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorFault() == smithy.FaultServer
}

// stsFailure returns the part of err raised by STS while assuming the role, if any.
func stsFailure(err error) error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if oe, ok := e.(*smithy.OperationError); ok && oe.Service() == "STS" {
			return oe
		}
	}
	return nil
}

// apiError turns an error from the Data API or from getting credentials into an error that
// names the failing check and says what to fix; what names the step ("run a statement").
func (c *redshiftConn) apiError(ctx context.Context, err error, what string) error {
	s := c.s
	var le *lore.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &le):
		return err
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded:
		return failed(CheckDatabase, lore.EUNAVAILABLE, "Redshift did not finish in time while trying to %s (statement timeout %s). A paused serverless workgroup or a busy cluster can take a minute: try again, or raise statement_timeout_seconds.", what, s.timeout)
	case errors.Is(err, context.Canceled):
		return err
	}
	if se := stsFailure(err); se != nil {
		return c.roleError(se)
	}
	code, msg := apiCode(err)
	lmsg := strings.ToLower(msg)
	switch code {
	case "":
		var re *awshttp.ResponseError
		if errors.As(err, &re) {
			return failed(CheckEndpoint, lore.EUNAVAILABLE, "%s answered with HTTP %d, not like the Redshift Data API. Check endpoint_url.", s.dataAPIURL(), re.HTTPStatusCode())
		}
		if strings.Contains(err.Error(), "failed to refresh cached credentials") || strings.Contains(err.Error(), "failed to retrieve credentials") {
			return failed(CheckCredentials, lore.EUNAUTHORIZED, "Lore could not get AWS credentials: %s. Check the access keys or role_arn.", lastPart(err.Error()))
		}
		return failed(CheckEndpoint, lore.EUNAVAILABLE, "Cannot reach the Redshift Data API at %s: %s. Check the region, endpoint_url and that Lore can reach AWS over HTTPS.", s.dataAPIURL(), netReason(err))
	case "InvalidSignatureException", "SignatureDoesNotMatch", "IncompleteSignatureException":
		if strings.Contains(lmsg, "region") {
			return failed(CheckCredentials, lore.EUNAUTHORIZED, "AWS rejected the request signature because it was made for region %s; check the region setting (%s).", s.region, msg)
		}
		if strings.Contains(lmsg, "expired") {
			return failed(CheckCredentials, lore.EUNAUTHORIZED, "AWS rejected the request signature as expired; check that the clock of Lore's server is correct (%s).", msg)
		}
		return failed(CheckCredentials, lore.EUNAUTHORIZED, "AWS rejected the request signature: the secret access key does not belong to access key id %s. Enter the secret access key again.", c.keyIDForMessage())
	case "UnrecognizedClientException", "InvalidClientTokenId", "MissingAuthenticationTokenException":
		if s.roleARN != "" {
			return failed(CheckCredentials, lore.EUNAUTHORIZED, "AWS rejected the temporary credentials of role %s: the role session was revoked or the role deleted. Check the role, then test again.", s.roleARN)
		}
		return failed(CheckCredentials, lore.EUNAUTHORIZED, "AWS does not recognise access key id %s: it was deleted, deactivated or mistyped. Create a new access key for the IAM user, or check the key id.", c.keyIDForMessage())
	case "ExpiredTokenException", "ExpiredToken", "RequestExpired":
		return failed(CheckCredentials, lore.EUNAUTHORIZED, "The AWS credentials have expired. Enter a current access key, or use role_arn so that Lore renews them itself.")
	case "AccessDeniedException", "AccessDenied", "UnauthorizedOperation":
		if strings.Contains(lmsg, "getclustercredentials") || strings.Contains(lmsg, "getcredentials") {
			return failed(CheckTarget, lore.EFORBIDDEN, "The IAM identity may not get database credentials for %s: allow redshift:GetClusterCredentials (provisioned, with db_user), redshift:GetClusterCredentialsWithIAM or redshift-serverless:GetCredentials (%s).", s.targetName(), msg)
		}
		return failed(CheckDataAPI, lore.EFORBIDDEN, "The IAM identity may not use the Redshift Data API: attach a policy allowing redshift-data:ExecuteStatement, DescribeStatement, GetStatementResult, CancelStatement, ListDatabases, ListSchemas and ListTables (for example AmazonRedshiftDataFullAccess). AWS said: %s", msg)
	case "ActiveStatementsExceededException", "ActiveSessionsExceededException":
		return failed(CheckTarget, lore.ETOOMANY, "%s has too many active Data API statements; Lore retried and gave up. Try again later.", s.targetName())
	case "DatabaseConnectionException":
		return failed(CheckDatabase, lore.EUNAVAILABLE, "Redshift could not connect to database %s: %s. Check the database name and db_user.", s.database, msg)
	case "QueryTimeoutException":
		return failed(CheckDatabase, lore.EUNAVAILABLE, "Redshift timed out while trying to %s; try again.", what)
	}
	if isThrottle(err) {
		return failed(CheckDataAPI, lore.ETOOMANY, "The Redshift Data API is throttling requests from this AWS account; Lore retried and gave up. Try again in a minute.")
	}
	if code == "ValidationException" || code == "ResourceNotFoundException" {
		switch {
		case strings.Contains(lmsg, "endpoint") || strings.Contains(lmsg, "cluster") || strings.Contains(lmsg, "workgroup"):
			return failed(CheckTarget, lore.ENOTFOUND, "%s was not found in region %s. Check the %s and the region (AWS said: %s).", capitalize(s.targetName()), s.region, targetField(s), msg)
		case strings.Contains(lmsg, "database") || strings.Contains(lmsg, "dbuser"):
			return failed(CheckDatabase, lore.EINVALID, "Redshift refused the database settings: %s", msg)
		}
	}
	return failed("", lore.EUNAVAILABLE, "The Redshift Data API failed to %s: %s (%s).", what, msg, code)
}

// statementError explains a statement that ended FAILED.
func (c *redshiftConn) statementError(msg string) error {
	l := strings.ToLower(msg)
	user := c.s.dbUser
	if user == "" {
		user = "the IAM identity's database user"
	}
	switch {
	case strings.Contains(l, "database") && strings.Contains(l, "does not exist"):
		return failed(CheckDatabase, lore.ENOTFOUND, "Database %s does not exist on %s. Check the database name. (%s)", c.s.database, c.s.targetName(), msg)
	case strings.Contains(l, "authentication") || (strings.Contains(l, "user") || strings.Contains(l, "role")) && strings.Contains(l, "does not exist"):
		return failed(CheckDatabase, lore.EUNAUTHORIZED, "Redshift refused to log in %s: %s. Check db_user and that the user exists.", user, msg)
	case strings.Contains(l, "permission denied"):
		return failed(CheckGrants, lore.EFORBIDDEN, "%s lacks a grant: %s. Grant USAGE on the schema and SELECT on its tables.", capitalize(user), msg)
	case strings.Contains(l, "statement timeout") || strings.Contains(l, "canceling statement"):
		return failed(CheckDatabase, lore.EUNAVAILABLE, "The statement ran longer than the timeout (%s); raise statement_timeout_seconds or narrow the selection.", c.s.timeout)
	}
	return failed("", lore.EINVALID, "Redshift could not run the statement: %s", msg)
}

// roleError explains a refused role assumption.
func (c *redshiftConn) roleError(err error) error {
	code, msg := apiCode(err)
	switch code {
	case "AccessDenied", "AccessDeniedException":
		return failed(CheckCredentials, lore.EFORBIDDEN, "AWS refused to let Lore assume role %s. The role's trust policy must allow Lore's AWS principal and require ExternalId %s (sts:ExternalId condition). AWS said: %s", c.s.roleARN, c.s.externalID, msg)
	case "InvalidClientTokenId", "UnrecognizedClientException":
		return failed(CheckCredentials, lore.EUNAUTHORIZED, "AWS does not recognise access key id %s used to assume role %s; check the key id.", c.keyIDForMessage(), c.s.roleARN)
	case "SignatureDoesNotMatch", "InvalidSignatureException":
		return failed(CheckCredentials, lore.EUNAUTHORIZED, "AWS rejected the signature of the role assumption: the secret access key does not belong to access key id %s. Enter the secret access key again.", c.keyIDForMessage())
	case "ExpiredToken", "ExpiredTokenException":
		return failed(CheckCredentials, lore.EUNAUTHORIZED, "The AWS credentials used to assume role %s have expired.", c.s.roleARN)
	case "RegionDisabledException":
		return failed(CheckCredentials, lore.EFORBIDDEN, "STS is not enabled in region %s for this account; enable it in IAM account settings.", c.s.region)
	case "":
		return failed(CheckCredentials, lore.EUNAVAILABLE, "Lore could not reach AWS STS to assume role %s: %s. Check sts_endpoint_url and network access.", c.s.roleARN, netReason(err))
	}
	return failed(CheckCredentials, lore.EUNAUTHORIZED, "AWS refused to let Lore assume role %s: %s (%s).", c.s.roleARN, msg, code)
}

// keyIDForMessage shows the access key id (not a secret) or says that Lore's own identity is used.
func (c *redshiftConn) keyIDForMessage() string {
	if c.s.accessKeyID != "" {
		return c.s.accessKeyID
	}
	return "(Lore's own AWS identity)"
}

func targetField(s redshiftSettings) string {
	if s.cluster != "" {
		return "cluster_identifier"
	}
	return "workgroup_name"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
