package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/internal/stack"
	"github.com/lorehq/lore/vault"
)

const keysUsage = `usage: lore keys COMMAND [flags]

  status            the key provider, its key-encryption keys and the data keys with their use
  verify            open every data key's canary and every sealed value; exits 1 on any failure
  rotate-kek [--to KMS_KEY_ID]
                    switch to a new key-encryption key and rewrap the data keys (and the store key)
  rotate-dek [--resume]
                    create a new data key and reseal every value under it (online, resumable)
  rotate-store-key  re-encrypt the embedded store file with a new store key (stop lore serve first)
  retire --key ID   retire a data key that no value uses any more
`

func runKeys(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, keysUsage)
		return errUsage
	}
	cmd := args[0]
	fs := newFlagSet("lore keys "+cmd, stdout)
	var sf storeFlags
	sf.register(fs)
	to := fs.String("to", "", "rotate-kek: the new KMS key id (aws-kms provider)")
	resume := fs.Bool("resume", false, "rotate-dek: finish an interrupted rotation without creating another key")
	keyID := fs.String("key", "", "retire: the data key id")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	print := func(v any, text string) {
		if *asJSON {
			b, _ := json.MarshalIndent(v, "", "  ")
			fmt.Fprintln(stdout, string(b))
		} else {
			fmt.Fprint(stdout, text)
		}
	}
	if cmd == "rotate-store-key" {
		return rotateStoreKey(ctx, sf, stdout)
	}
	st, err := openStack(ctx, sf, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer st.Close()
	switch cmd {
	case "status":
		s, err := st.Vault.Status(ctx)
		if err != nil {
			return err
		}
		text := fmt.Sprintf("provider   %s (%s)\nactive KEK %s\n", s.Provider, s.Source, s.ActiveKEK)
		for _, k := range s.DataKeys {
			text += fmt.Sprintf("data key   %s  %-12s values %d\n", k.ID, k.State, k.Values)
		}
		if st.Store.Dialect() == "sqlite" {
			text += "store file encrypted with the store key (adiantum)\n"
		}
		print(s, text)
	case "verify":
		r, err := st.Vault.Verify(ctx, st.Store)
		if err != nil {
			return err
		}
		text := fmt.Sprintf("%d data keys, %d sealed values checked, %d failed\n", len(r.Keys), r.Values, r.Failed)
		if r.OK() {
			text += "OK: every secret is readable\n"
		}
		print(r, text)
		if !r.OK() {
			return lore.Errorf(lore.EINTERNAL, "verification failed for %d values: %v; restore the key that sealed them", r.Failed, r.FailedRefs)
		}
	case "rotate-kek":
		r, err := st.Vault.RotateKEK(ctx, *to)
		if err != nil {
			return err
		}
		if st.Store.Dialect() == "sqlite" {
			if err := vault.RewrapStoreKey(ctx, st.Provider, sf.dataDir); err != nil {
				return err
			}
		}
		print(r, fmt.Sprintf("active KEK %s; %d data keys rewrapped\n", r.ActiveKEK, r.Rewrapped))
	case "rotate-dek":
		r, err := st.Vault.RotateDEK(ctx, st.Store, vault.RotateDEKOptions{Resume: *resume})
		if err != nil {
			return err
		}
		print(r, fmt.Sprintf("active data key %s; %d values resealed, %d changed meanwhile, %d failed\n", r.ActiveKey, r.Resealed, r.Changed, r.Failed))
	case "retire":
		if *keyID == "" {
			return lore.Errorf(lore.EINVALID, "give the data key to retire with --key ID (see lore keys status)")
		}
		if err := st.Vault.Retire(ctx, *keyID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "data key %s retired\n", *keyID)
	default:
		fmt.Fprint(stdout, keysUsage)
		return errUsage
	}
	return nil
}

func rotateStoreKey(ctx context.Context, sf storeFlags, stdout io.Writer) error {
	if sf.databaseURL != "" {
		return lore.Errorf(lore.EINVALID, "rotate-store-key applies to the embedded store; PostgreSQL's at-rest encryption is the server's")
	}
	unlock, err := stack.TryLockDir(sf.dataDir, "serve.lock", "`lore serve`")
	if err != nil {
		return err
	}
	defer unlock()
	p, err := vault.OpenProvider(ctx, sf.keyProvider, sf.dataDir)
	if err != nil {
		return err
	}
	if err := stack.RotateStoreKey(ctx, p, sf.dataDir); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "store file re-encrypted with a new store key")
	return nil
}
