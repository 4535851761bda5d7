package vault

import (
	"context"
	"errors"

	"github.com/aws/smithy-go"
	"github.com/lorehq/lore"
)

// awsError maps an AWS API error to a vault sentinel with a message naming what (a secret id
// or key id) and saying what to do. AWS error texts carry codes and request ids, no secrets.
func awsError(err error, what string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	code := ""
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	switch code {
	case "ResourceNotFoundException", "NotFoundException":
		return fail(ErrKEKNotFound, lore.EUNAVAILABLE,
			"%s does not exist (AWS %s). Check --key-provider and the AWS region; restore or recreate the key source the data was written with.", what, code)
	case "AccessDeniedException", "DecryptionFailure", "UnrecognizedClientException", "InvalidSignatureException":
		return fail(ErrAccessDenied, lore.EUNAVAILABLE,
			"AWS refused access to %s (%s). Grant Lore's IAM identity access to it and check its credentials.", what, code)
	case "DisabledException", "KMSInvalidStateException", "KeyUnavailableException":
		return fail(ErrAccessDenied, lore.EUNAVAILABLE,
			"%s is disabled or pending deletion (AWS %s). Re-enable it; the data cannot be read without it.", what, code)
	case "InvalidCiphertextException", "IncorrectKeyException":
		return fail(ErrWrongKey, lore.EUNAVAILABLE,
			"%s refused to decrypt a wrapped key (AWS %s): the key, the wrapped bytes or the encryption context do not match. Start Lore with the KMS key the data was written with.", what, code)
	}
	if code == "" {
		code = err.Error()
	}
	return fail(ErrProviderUnavailable, lore.EUNAVAILABLE,
		"Cannot reach %s (%s). Check the network, region and AWS_ENDPOINT_URL, then retry.", what, code)
}
