package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/lorehq/lore"
)

func runUsers(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stdout, "usage: lore users create --email E --password-stdin [--admin]")
		return errUsage
	}
	fs := newFlagSet("lore users create", stdout)
	var sf storeFlags
	sf.register(fs)
	email := fs.String("email", "", "the user's e-mail address")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	admin := fs.Bool("admin", false, "make the user an admin")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if !*pwStdin {
		return lore.Errorf(lore.EINVALID, "pass --password-stdin and the password on standard input (printf 'pw' | lore users create ...)")
	}
	pw, err := readSecretLine(stdin)
	if err != nil {
		return err
	}
	st, err := openStack(ctx, sf, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer st.Close()
	role := lore.RoleMember
	if *admin {
		role = lore.RoleAdmin
	}
	u, err := lore.NewAccounts(st.Store).CreateUser(ctx, *email, pw, role, false)
	if err != nil {
		return err
	}
	_ = st.Store.RecordAudit(ctx, &lore.AuditEntry{ActorEmail: "cli", Action: "user.create", Target: u.Email, Detail: "role " + u.Role})
	fmt.Fprintf(stdout, "created %s %s (id %d)\n", u.Role, u.Email, u.ID)
	return nil
}

// readSecretLine reads one line (without its line end) from r.
func readSecretLine(r io.Reader) (string, error) {
	br := bufio.NewReader(io.LimitReader(r, lore.MaxPasswordLen+2))
	line, err := br.ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", lore.Errorf(lore.EINVALID, "no password on standard input")
	}
	return line, nil
}
