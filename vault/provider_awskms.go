package vault

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/lorehq/lore"
)

// KMSAPI is the part of the KMS client the provider uses.
type KMSAPI interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, opts ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Encrypt(ctx context.Context, in *kms.EncryptInput, opts ...func(*kms.Options)) (*kms.EncryptOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, opts ...func(*kms.Options)) (*kms.DecryptOutput, error)
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, opts ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
}

// KMSContextKey is the encryption-context key under which the provider passes the bind string
// ("dek/<id>" or "store-key") to KMS. KMS authenticates it, and CloudTrail shows it in clear;
// it holds ids only.
const KMSContextKey = "lore:purpose"

// KMSProvider wraps keys with an AWS KMS key: GenerateDataKey (AES_256) for new keys, Encrypt
// for rewraps, Decrypt with the key pinned to the wrapping key's ARN and the same encryption
// context. The kekRef of a wrapped key is the KMS key ARN, so data keys wrapped under an older
// KMS key keep opening after --key-provider names a new one, for as long as Lore may use it.
// IAM: kms:GenerateDataKey, kms:Encrypt, kms:Decrypt, kms:DescribeKey.
type KMSProvider struct {
	client KMSAPI

	mu    sync.Mutex
	keyID string // as configured: id, ARN or alias
	arn   string // resolved by DescribeKey, "" until then
}

// NewKMSProvider returns a provider for keyID (key id, ARN or alias/NAME). It makes no call.
func NewKMSProvider(client KMSAPI, keyID string) *KMSProvider {
	return &KMSProvider{client: client, keyID: keyID}
}

// Name returns ProviderKMS.
func (p *KMSProvider) Name() string { return ProviderKMS }

// String returns `KMS key ID`.
func (p *KMSProvider) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return "KMS key " + p.keyID
}

func encContext(bind string) map[string]string { return map[string]string{KMSContextKey: bind} }

// GenerateKey calls GenerateDataKey on the active key.
func (p *KMSProvider) GenerateKey(ctx context.Context, bind string) ([]byte, []byte, string, error) {
	arn, err := p.ActiveKEK(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	out, err := p.client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: aws.String(arn), KeySpec: types.DataKeySpecAes256, EncryptionContext: encContext(bind),
	})
	if err != nil {
		return nil, nil, "", awsError(err, "KMS key "+arn)
	}
	return out.Plaintext, out.CiphertextBlob, aws.ToString(out.KeyId), nil
}

// Wrap calls Encrypt on the active key.
func (p *KMSProvider) Wrap(ctx context.Context, plain []byte, bind string) ([]byte, string, error) {
	arn, err := p.ActiveKEK(ctx)
	if err != nil {
		return nil, "", err
	}
	out, err := p.client.Encrypt(ctx, &kms.EncryptInput{
		KeyId: aws.String(arn), Plaintext: plain, EncryptionContext: encContext(bind),
	})
	if err != nil {
		return nil, "", awsError(err, "KMS key "+arn)
	}
	return out.CiphertextBlob, aws.ToString(out.KeyId), nil
}

// Unwrap calls Decrypt with KeyId pinned to kekRef and the bind's encryption context.
func (p *KMSProvider) Unwrap(ctx context.Context, wrapped []byte, kekRef, bind string) ([]byte, error) {
	out, err := p.client.Decrypt(ctx, &kms.DecryptInput{
		KeyId: aws.String(kekRef), CiphertextBlob: wrapped, EncryptionContext: encContext(bind),
	})
	if err != nil {
		return nil, awsError(err, "KMS key "+kekRef)
	}
	return out.Plaintext, nil
}

// ActiveKEK resolves the configured key to its ARN (DescribeKey, once).
func (p *KMSProvider) ActiveKEK(ctx context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.arn != "" {
		return p.arn, nil
	}
	out, err := p.client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(p.keyID)})
	if err != nil {
		return "", awsError(err, "KMS key "+p.keyID)
	}
	if out.KeyMetadata == nil || out.KeyMetadata.Arn == nil {
		return "", fail(ErrKEKNotFound, lore.EUNAVAILABLE, "KMS did not describe key %s; check --key-provider.", p.keyID)
	}
	p.arn = *out.KeyMetadata.Arn
	return p.arn, nil
}

// KEKs returns the active key's ARN; KMS keeps older key material itself.
func (p *KMSProvider) KEKs(ctx context.Context) ([]string, error) {
	arn, err := p.ActiveKEK(ctx)
	if err != nil {
		return nil, err
	}
	return []string{arn}, nil
}

// RotateKEK switches to the KMS key arg (when not empty) and returns the active key's ARN;
// the vault then rewraps every data key that is not under it.
func (p *KMSProvider) RotateKEK(ctx context.Context, arg string) (string, error) {
	if arg != "" {
		p.mu.Lock()
		p.keyID, p.arn = arg, ""
		p.mu.Unlock()
	}
	return p.ActiveKEK(ctx)
}
