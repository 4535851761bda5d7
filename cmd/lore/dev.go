package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/redshiftlocal"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "redshift" {
		fmt.Fprintln(stderr, "usage: lore dev redshift --postgres-url URL [--addr 127.0.0.1:PORT] --access-key-id ID --secret-access-key KEY [--cluster ID]... [--workgroup NAME]...")
		return errUsage
	}
	fs := newFlagSet("lore dev redshift", stderr)
	pgURL := fs.String("postgres-url", "", "PostgreSQL server that plays the warehouse (its databases are the Redshift databases)")
	addr := fs.String("addr", "127.0.0.1:5439", "address to listen on")
	keyID := fs.String("access-key-id", "", "access key id that requests must be signed with")
	secret := fs.String("secret-access-key", "", "secret access key that requests must be signed with")
	throttle := fs.Bool("throttle", false, "reproduce the Data API's rate limits")
	var clusters, workgroups listFlag
	fs.Var(&clusters, "cluster", "provisioned cluster identifier to accept (repeatable)")
	fs.Var(&workgroups, "workgroup", "serverless workgroup name to accept (repeatable)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *pgURL == "" || *keyID == "" || *secret == "" {
		return lore.Errorf(lore.EINVALID, "--postgres-url, --access-key-id and --secret-access-key are required")
	}
	if len(clusters) == 0 && len(workgroups) == 0 {
		clusters = listFlag{"lore-local"}
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	srv, err := redshiftlocal.New(redshiftlocal.Config{
		PostgresURL: *pgURL, AccessKeyID: *keyID, SecretAccessKey: *secret,
		Clusters: clusters, Workgroups: workgroups, Throttle: *throttle, Logger: logger,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return lore.Errorf(lore.EUNAVAILABLE, "cannot listen on %s: %v; choose another --addr", *addr, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	fmt.Fprintf(stdout, "local Redshift Data API on http://%s (clusters %v, workgroups %v)\n", ln.Addr(), []string(clusters), []string(workgroups))
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
