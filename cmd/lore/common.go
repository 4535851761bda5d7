package main

import (
	"context"
	"log/slog"

	"github.com/lorehq/lore/internal/stack"
)

// openStack opens the store and vault named by the flags (no job queue), applying migrations.
func openStack(ctx context.Context, f storeFlags, logger *slog.Logger) (*stack.Stack, error) {
	return stack.Open(ctx, stack.Options{DataDir: f.dataDir, DatabaseURL: f.databaseURL, KeyProvider: f.keyProvider, Logger: logger, Migrate: true})
}
