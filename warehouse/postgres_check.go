package warehouse

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lorehq/lore"
)

// checkTimeout bounds each network step of a connection test.
const checkTimeout = 20 * time.Second

// Test checks, in order: the server answers, the password is accepted, the database exists,
// and which schemas the user can read. It saves nothing.
func (c *postgresConn) Test(ctx context.Context) TestReport {
	var b reportBuilder
	addr := net.JoinHostPort(c.s.host, strconv.Itoa(c.s.port))
	var conn *pgx.Conn
	var connErr error
	connect := func() {
		pc, err := c.s.poolConfig(c.s.database)
		if err != nil {
			connErr = err
			return
		}
		cctx, cancel := context.WithTimeout(ctx, checkTimeout)
		defer cancel()
		conn, connErr = pgx.ConnectConfig(cctx, pc.ConnConfig)
	}
	b.run(CheckEndpoint, func() (string, error) {
		if !strings.HasPrefix(c.s.host, "/") {
			d := net.Dialer{Timeout: checkTimeout}
			nc, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				return "", lore.Errorf(lore.EUNAVAILABLE, "Cannot reach %s: %v. Check the host and port, and that a firewall or security group lets Lore's address in.", addr, netReason(err))
			}
			nc.Close()
		}
		connect()
		if connErr != nil && pgCode(connErr) == "" {
			return "", c.connectError(connErr)
		}
		return fmt.Sprintf("%s answers (sslmode %s).", addr, c.s.sslmode), nil
	})
	if conn != nil {
		defer conn.Close(context.WithoutCancel(ctx))
	}
	b.run(CheckCredentials, func() (string, error) {
		switch pgCode(connErr) {
		case "28P01", "28000":
			return "", c.connectError(connErr)
		}
		return fmt.Sprintf("User %q logged in.", c.s.user), nil
	})
	b.run(CheckDatabase, func() (string, error) {
		if connErr != nil {
			return "", c.connectError(connErr)
		}
		return fmt.Sprintf("Database %q is open.", c.s.database), nil
	})
	b.run(CheckGrants, func() (string, error) {
		qctx, cancel := context.WithTimeout(ctx, checkTimeout)
		defer cancel()
		c.statements.Add(1)
		rows, err := conn.Query(qctx, readableSchemasSQL)
		if err != nil {
			return "", c.mapError(err, "list readable schemas")
		}
		schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return "", c.mapError(err, "list readable schemas")
		}
		if len(schemas) == 0 {
			return "", lore.Errorf(lore.EFORBIDDEN, "User %q cannot read any table in database %q. Grant access, for example: GRANT USAGE ON SCHEMA myschema TO %s; GRANT SELECT ON ALL TABLES IN SCHEMA myschema TO %s;", c.s.user, c.s.database, c.s.user, c.s.user)
		}
		b.r.Schemas = schemas
		return fmt.Sprintf("User %q can read %d schema(s): %s.", c.s.user, len(schemas), strings.Join(schemas, ", ")), nil
	})
	return b.report()
}

// readableSchemasSQL lists the schemas holding at least one table the user may select from.
const readableSchemasSQL = `
SELECT n.nspname::text FROM pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND has_schema_privilege(n.oid, 'USAGE')
  AND EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
              AND has_table_privilege(c.oid, 'SELECT'))
ORDER BY 1`

// pgCode returns the SQLSTATE of err, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// netReason shortens a network error to what a user can act on.
func netReason(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "the connection timed out"
	case strings.Contains(err.Error(), "connection refused"):
		return "the connection was refused (nothing listens on that port)"
	case strings.Contains(err.Error(), "no such host"):
		return "the host name does not resolve"
	}
	return err.Error()
}

// connectError explains a failed login.
func (c *postgresConn) connectError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01":
			return lore.Errorf(lore.EUNAUTHORIZED, "The server rejected the password for user %q. Check the user name and enter the password again.", c.s.user)
		case "28000":
			return lore.Errorf(lore.EFORBIDDEN, "The server refused user %q: %s. Ask the database administrator to allow this user from Lore's address (pg_hba.conf), or check sslmode.", c.s.user, pe.Message)
		case "3D000":
			return lore.Errorf(lore.ENOTFOUND, "Database %q does not exist on this server. Check the database name.", c.s.database)
		case "42501":
			return lore.Errorf(lore.EFORBIDDEN, "User %q may not connect to database %q: GRANT CONNECT ON DATABASE %s TO %s;", c.s.user, c.s.database, c.s.database, c.s.user)
		}
		return lore.Errorf(lore.EUNAVAILABLE, "The server refused the connection: %s (SQLSTATE %s).", pe.Message, pe.Code)
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "server refused TLS"):
		return lore.Errorf(lore.EUNAVAILABLE, "The server does not accept TLS connections but sslmode is %s. Enable TLS on the server, or set sslmode to prefer or disable if the network is trusted.", c.s.sslmode)
	case strings.Contains(msg, "certificate") || strings.Contains(msg, "x509"):
		return lore.Errorf(lore.EUNAVAILABLE, "The server's TLS certificate was not accepted (sslmode %s): %s. Install a certificate the server name matches, or use sslmode=require.", c.s.sslmode, lastPart(msg))
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "timeout"):
		return lore.Errorf(lore.EUNAVAILABLE, "Connecting to %s:%d timed out. Check the host, port and firewall.", c.s.host, c.s.port)
	}
	return lore.Errorf(lore.EUNAVAILABLE, "Cannot connect to %s:%d: %s. Check the host, port and sslmode.", c.s.host, c.s.port, lastPart(msg))
}

// lastPart keeps the innermost cause of a chained error message.
func lastPart(msg string) string {
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		return msg[i+2:]
	}
	return msg
}

// mapError turns a pgx error into a lore error that says what to do; what names the step.
func (c *postgresConn) mapError(err error, what string) error {
	if err == nil {
		return nil
	}
	var le *lore.Error
	if errors.As(err, &le) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "57014":
			return lore.Errorf(lore.EUNAVAILABLE, "%s: the statement was cancelled or ran longer than the statement timeout (%s). Raise statement_timeout_seconds or narrow the selection.", what, c.s.timeout)
		case pe.Code == "42501":
			return lore.Errorf(lore.EFORBIDDEN, "%s: permission denied (%s). Grant the database user SELECT on the tables.", what, pe.Message)
		case pe.Code == "25006":
			return lore.Errorf(lore.EFORBIDDEN, "%s: the connection is read-only; Lore only runs read-only statements.", what)
		case pe.Code == "42P01" || pe.Code == "3F000" || pe.Code == "42703":
			return lore.Errorf(lore.ENOTFOUND, "%s: %s.", what, pe.Message)
		case strings.HasPrefix(pe.Code, "28") || pe.Code == "3D000":
			return c.connectError(err)
		case strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "53") || strings.HasPrefix(pe.Code, "57"):
			return lore.Errorf(lore.EUNAVAILABLE, "%s: the server is unavailable (%s). Try again later.", what, pe.Message)
		}
		return lore.Errorf(lore.EINVALID, "%s: %s (SQLSTATE %s).", what, pe.Message, pe.Code)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", what, err)
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return c.connectError(err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
