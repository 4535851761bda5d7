// Command lore is Lore: a self-hosted service that turns a team's warehouse into a described and
// profiled catalog for AI analysts. See `lore help`.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/lorehq/lore"
)

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "dev"

const usage = `Lore turns your warehouse into a described, profiled catalog for AI analysts.

Usage:
  lore serve    [--addr 127.0.0.1:8080] [--data-dir DIR] [--database-url URL] [--key-provider P]
                [--role web|worker|all] [--tls-cert F --tls-key F | --tls-self-signed]
  lore migrate  [--data-dir DIR] [--database-url URL]
  lore users create --email E --password-stdin [--admin]
  lore tokens create --email E [--name N]
  lore keys status|verify|rotate-kek|rotate-dek|rotate-store-key|retire
  lore dev redshift --postgres-url URL [--addr 127.0.0.1:PORT] --access-key-id ID --secret-access-key KEY
  lore version

Every flag can also be set as an environment variable: --data-dir is LORE_DATA_DIR.
Run "lore COMMAND --help" for the flags of one command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns the process exit code. Errors are printed as one line
// that says what to do.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = runServe(ctx, args[1:], stdout, stderr)
	case "migrate":
		err = runMigrate(ctx, args[1:], stdout)
	case "users":
		err = runUsers(ctx, args[1:], stdin, stdout)
	case "tokens":
		err = runTokens(ctx, args[1:], stdout)
	case "keys":
		err = runKeys(ctx, args[1:], stdout)
	case "dev":
		err = runDev(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "lore %s\n", Version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "lore: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err == errUsage {
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "lore: %s\n", oneLine(err))
		return 1
	}
	return 0
}

// oneLine returns the user message of err (the lore.Error message, or the error text) on one
// line: the lines of a multi-line message are joined with "; ", repeated lines dropped.
func oneLine(err error) string {
	msg := err.Error()
	if lore.ErrorCode(err) != lore.EINTERNAL {
		msg = lore.ErrorMessage(err)
	}
	var parts []string
	seen := map[string]bool{}
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" && !seen[l] {
			seen[l] = true
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}
