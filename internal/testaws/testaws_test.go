package testaws

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

func TestStartServesKMSAndSecretsManager(t *testing.T) {
	s := Start(t)
	ctx := Context(t)
	if s.Config.Region != Region || aws.ToString(s.Config.BaseEndpoint) != s.URL {
		t.Fatalf("config = %q %q, want %q %q", s.Config.Region, aws.ToString(s.Config.BaseEndpoint), Region, s.URL)
	}
	k, err := kms.NewFromConfig(s.Config).CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	if aws.ToString(k.KeyMetadata.Arn) == "" {
		t.Fatal("CreateKey returned no ARN")
	}
	sm := secretsmanager.NewFromConfig(s.Config)
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("t"), SecretString: aws.String("v")}); err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("t")})
	if err != nil || aws.ToString(out.SecretString) != "v" {
		t.Fatalf("GetSecretValue = %v, %v", out, err)
	}
	s.Close()
	if _, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("t")}); err == nil {
		t.Fatal("server still answers after Close")
	}
}
