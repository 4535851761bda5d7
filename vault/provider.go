package vault

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/lorehq/lore"
)

// Provider names, stored with every data key so a key store shows which kind of KEK wraps it.
const (
	ProviderFile           = "file.v1"
	ProviderSecretsManager = "awssm.v1"
	ProviderKMS            = "awskms.v1"
)

// Provider wraps and unwraps key material (data keys, the store key) with a key-encryption key
// (KEK) it controls. bind names what the key is for (for example "dek/0a1b2c3d4e5f6071" or
// "store-key") and is authenticated with the wrapped bytes (GCM associated data, or the KMS
// encryption context), so a wrapped key cannot be moved to another slot. kekRef identifies the
// KEK that wrapped a key: a keyring key id, or a KMS key ARN. Implementations are safe for
// concurrent use and never put key material in errors.
type Provider interface {
	// Name returns ProviderFile, ProviderSecretsManager or ProviderKMS.
	Name() string
	// String describes the key source for messages (path, secret id or key id); no secret.
	String() string
	// GenerateKey returns a new random 256-bit key and its wrapped form under the active KEK.
	GenerateKey(ctx context.Context, bind string) (plain, wrapped []byte, kekRef string, err error)
	// Wrap wraps plain under the active KEK.
	Wrap(ctx context.Context, plain []byte, bind string) (wrapped []byte, kekRef string, err error)
	// Unwrap opens a wrapped key. Errors match ErrWrongKey, ErrKEKNotFound,
	// ErrKeyMaterialCorrupt, ErrAccessDenied or ErrProviderUnavailable.
	Unwrap(ctx context.Context, wrapped []byte, kekRef, bind string) ([]byte, error)
	// ActiveKEK returns the kekRef that Wrap and GenerateKey currently use.
	ActiveKEK(ctx context.Context) (string, error)
	// KEKs lists the kekRefs the provider can unwrap with, for status and messages.
	KEKs(ctx context.Context) ([]string, error)
	// RotateKEK makes a new KEK active and returns its kekRef. File and Secrets Manager add a
	// new key to the keyring and keep the old ones (arg must be empty); KMS switches to the key
	// id in arg, or keeps the current key when arg is empty.
	RotateKEK(ctx context.Context, arg string) (string, error)
}

// Initializer is implemented by providers that can create their key source on a truly empty
// install (the file provider). Init creates it if absent and reports whether it did; it never
// replaces an existing one.
type Initializer interface {
	Init(ctx context.Context) (created bool, err error)
}

// OpenProvider returns the provider named by spec, the --key-provider flag:
//
//	file                          key file "lore.key" in dataDir (the default; "" means file)
//	aws-secretsmanager://SECRET   keyring JSON in a Secrets Manager secret (name or ARN)
//	aws-kms://KEY_ID              a KMS key (id, ARN or alias/NAME)
//
// The AWS providers load the standard credential chain with config.LoadDefaultConfig, which
// honours AWS_REGION, AWS_PROFILE and AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_SECRETS_MANAGER /
// AWS_ENDPOINT_URL_KMS. Errors have code invalid (bad spec) or match the sentinels of the
// provider (a malformed key file, a missing secret, …).
func OpenProvider(ctx context.Context, spec, dataDir string) (Provider, error) {
	switch {
	case spec == "" || spec == "file":
		return OpenFileProvider(dataDir)
	case strings.HasPrefix(spec, "aws-secretsmanager://"):
		id := strings.TrimPrefix(spec, "aws-secretsmanager://")
		if id == "" {
			return nil, lore.Errorf(lore.EINVALID, "--key-provider %q names no secret; use aws-secretsmanager://SECRET_ID.", spec)
		}
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		return NewSecretsManagerProvider(ctx, secretsmanager.NewFromConfig(cfg), id)
	case strings.HasPrefix(spec, "aws-kms://"):
		id := strings.TrimPrefix(spec, "aws-kms://")
		if id == "" {
			return nil, lore.Errorf(lore.EINVALID, "--key-provider %q names no key; use aws-kms://KEY_ID.", spec)
		}
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		return NewKMSProvider(kms.NewFromConfig(cfg), id), nil
	}
	return nil, lore.Errorf(lore.EINVALID,
		"Unknown --key-provider %q; use file, aws-secretsmanager://SECRET_ID or aws-kms://KEY_ID.", spec)
}

// initProvider creates the key source when the provider can and it is absent.
func initProvider(ctx context.Context, p Provider) error {
	if in, ok := p.(Initializer); ok {
		_, err := in.Init(ctx)
		return err
	}
	return nil
}
