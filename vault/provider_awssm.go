package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/lorehq/lore"
)

// SecretsManagerAPI is the part of the Secrets Manager client the provider uses.
type SecretsManagerAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
}

// SecretsManagerProvider keeps a keyring (the format documented at NewKeyringJSON) in the
// SecretString of an AWS Secrets Manager secret (version AWSCURRENT). Old keys stay in the
// keyring after rotation, because Secrets Manager may delete unlabelled old versions. The
// operator creates the secret before the first start, with the output of NewKeyringJSON.
// IAM: secretsmanager:GetSecretValue, and PutSecretValue for rotate-kek.
//
// Two rotate-kek runs at the same moment against one secret can overwrite each other's new
// key (Secrets Manager has no conditional write); RotateKEK re-reads the secret after writing
// and fails if its key is not the active one, before any data key is rewrapped.
type SecretsManagerProvider struct {
	client   SecretsManagerAPI
	secretID string

	mu sync.Mutex
	kr *keyring
}

// NewSecretsManagerProvider reads and validates the keyring in secretID. A missing secret
// matches ErrKEKNotFound, refused access ErrAccessDenied, a binary or malformed secret
// ErrKeyMaterialCorrupt; all have code unavailable. It never writes.
func NewSecretsManagerProvider(ctx context.Context, client SecretsManagerAPI, secretID string) (*SecretsManagerProvider, error) {
	p := &SecretsManagerProvider{client: client, secretID: secretID}
	kr, err := p.fetch(ctx)
	if err != nil {
		return nil, err
	}
	p.kr = kr
	return p, nil
}

func (p *SecretsManagerProvider) fetch(ctx context.Context) (*keyring, error) {
	out, err := p.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(p.secretID)})
	if err != nil {
		return nil, awsError(err, p.String())
	}
	if out.SecretString == nil {
		return nil, fail(ErrKeyMaterialCorrupt, lore.EUNAVAILABLE,
			"%s holds binary data, not a keyring JSON string. Store the keyring as SecretString.", p.String())
	}
	return parseKeyring([]byte(*out.SecretString), p.String())
}

// Name returns ProviderSecretsManager.
func (p *SecretsManagerProvider) Name() string { return ProviderSecretsManager }

// String returns `Secrets Manager secret ID`.
func (p *SecretsManagerProvider) String() string { return "Secrets Manager secret " + p.secretID }

// GenerateKey returns a new random key wrapped under the active keyring key.
func (p *SecretsManagerProvider) GenerateKey(ctx context.Context, bind string) ([]byte, []byte, string, error) {
	plain := randomKey()
	wrapped, ref, err := p.Wrap(ctx, plain, bind)
	return plain, wrapped, ref, err
}

// Wrap wraps plain under the active keyring key.
func (p *SecretsManagerProvider) Wrap(ctx context.Context, plain []byte, bind string) ([]byte, string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.kr.wrap(plain, bind)
}

// Unwrap opens a key wrapped under kekRef, re-reading the secret once if kekRef is unknown
// (another process may have rotated it).
func (p *SecretsManagerProvider) Unwrap(ctx context.Context, wrapped []byte, kekRef, bind string) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.kr.find(kekRef) == nil {
		kr, err := p.fetch(ctx)
		if err != nil {
			return nil, err
		}
		p.kr = kr
	}
	return p.kr.unwrap(wrapped, kekRef, bind, p.String())
}

// ActiveKEK returns the active keyring key id.
func (p *SecretsManagerProvider) ActiveKEK(ctx context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.kr.Active, nil
}

// KEKs returns the keyring's key ids.
func (p *SecretsManagerProvider) KEKs(ctx context.Context) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.kr.ids(), nil
}

// RotateKEK reads the secret, adds a new active key, keeps the old ones, writes the result as
// a new version (PutSecretValue) and returns the new key id. arg must be empty.
func (p *SecretsManagerProvider) RotateKEK(ctx context.Context, arg string) (string, error) {
	if arg != "" {
		return "", lore.Errorf(lore.EINVALID, "The Secrets Manager key provider takes no argument to rotate-kek.")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	cur, err := p.fetch(ctx)
	if err != nil {
		return "", err
	}
	next := cur.withNewActive(time.Now())
	doc := next.marshal()
	sum := sha256.Sum256([]byte(next.Active + strings.Join(next.ids(), ",")))
	_, err = p.client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId:           aws.String(p.secretID),
		SecretString:       aws.String(string(doc)),
		ClientRequestToken: aws.String(hex.EncodeToString(sum[:])[:36]),
	})
	if err != nil {
		return "", awsError(err, p.String())
	}
	check, err := p.fetch(ctx)
	if err != nil {
		return "", err
	}
	if check.Active != next.Active || !check.containsAll(cur) {
		p.kr = check
		return "", fail(ErrConflict, lore.ECONFLICT,
			"%s changed while rotate-kek ran (another rotation?). Nothing was rewrapped; run rotate-kek again.", p.String())
	}
	p.kr = check
	return next.Active, nil
}
