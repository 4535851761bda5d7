package main

import (
	"context"
	"fmt"
	"io"
)

func runKeys(ctx context.Context, args []string, stdout io.Writer) error {
	fmt.Fprintln(stdout, "usage: lore keys status|verify|rotate-kek|rotate-dek|rotate-store-key|retire")
	return errUsage
}
