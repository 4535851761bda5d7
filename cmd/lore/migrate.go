package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

func runMigrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("lore migrate", stdout)
	var sf storeFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := openStack(ctx, sf, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(stdout, "store migrated to schema version %d\n", st.Store.SchemaVersion())
	return nil
}
