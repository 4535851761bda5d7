package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/lorehq/lore"
)

func runTokens(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stdout, "usage: lore tokens create --email E [--name N]")
		return errUsage
	}
	fs := newFlagSet("lore tokens create", stdout)
	var sf storeFlags
	sf.register(fs)
	email := fs.String("email", "", "the e-mail of the user the token acts as")
	name := fs.String("name", "cli", "a name to recognise the token by")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	st, err := openStack(ctx, sf, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer st.Close()
	token, t, err := lore.NewAccounts(st.Store).CreateToken(ctx, *email, *name)
	if err != nil {
		return err
	}
	_ = st.Store.RecordAudit(ctx, &lore.AuditEntry{ActorEmail: "cli", Action: "token.create", Target: *email, Detail: fmt.Sprintf("token %d %q", t.ID, t.Name)})
	fmt.Fprintln(stdout, token)
	return nil
}
