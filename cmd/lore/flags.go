package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"strings"

	"github.com/lorehq/lore"
)

// errUsage means the flags were wrong and usage was printed.
var errUsage = errors.New("usage")

// newFlagSet returns a flag set that prints its usage to w.
func newFlagSet(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	return fs
}

// parseFlags parses args, then fills every flag not given on the command line from its
// LORE_<NAME> environment variable (--data-dir reads LORE_DATA_DIR).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errUsage
		}
		return errUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		env := EnvName(f.Name)
		if v, ok := os.LookupEnv(env); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = lore.Errorf(lore.EINVALID, "%s=%q is not a valid --%s (%v); fix or unset it", env, v, f.Name, e)
			}
		}
	})
	return err
}

// EnvName returns the environment variable of a flag.
func EnvName(flagName string) string {
	return "LORE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// storeFlags are the flags every command that opens the store shares.
type storeFlags struct {
	dataDir     string
	databaseURL string
	keyProvider string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", "./lore-data", "directory of the embedded store, its key file and lock (created 0700)")
	fs.StringVar(&f.databaseURL, "database-url", "", "PostgreSQL URL (postgres://user:pass@host:5432/db?sslmode=verify-full); empty uses the embedded store")
	fs.StringVar(&f.keyProvider, "key-provider", "file", "key provider: file, aws-secretsmanager://SECRET_ID or aws-kms://KEY_ID")
}
