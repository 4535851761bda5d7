package describe

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/lorehq/lore"
)

// ProviderError is a failure talking to an AI provider. Code is a lore error code (see
// Describer); Message is meant for users and says what to do next; Err is the underlying
// error for the log and never holds a secret. errors.As finds both the ProviderError and a
// *lore.Error with the same code and message, so lore.ErrorCode and lore.ErrorMessage work.
type ProviderError struct {
	Provider string
	Code     string
	Message  string
	Err      error
}

// Error returns the user-facing message, followed by the cause when there is one.
func (e *ProviderError) Error() string {
	if e.Err == nil {
		return e.Message
	}
	return e.Message + ": " + e.Err.Error()
}

// Unwrap returns a *lore.Error with the same code and message, and the cause.
func (e *ProviderError) Unwrap() []error {
	errs := []error{&lore.Error{Code: e.Code, Message: e.Message}}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// ProviderErr returns a *ProviderError.
func ProviderErr(provider, code string, cause error, format string, args ...any) *ProviderError {
	return &ProviderError{Provider: provider, Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// IsConfigError reports whether err means the provider will refuse every request until a
// person changes the settings: a wrong API key or credentials (EUNAUTHORIZED), no access to
// the model (EFORBIDDEN), or a model or endpoint that does not exist (ENOTFOUND). Callers
// report such an error once and fall back to the heuristic describer (see Fallback).
func IsConfigError(err error) bool {
	switch lore.ErrorCode(err) {
	case lore.EUNAUTHORIZED, lore.EFORBIDDEN, lore.ENOTFOUND:
		var pe *ProviderError
		return errors.As(err, &pe)
	}
	return false
}

// ClassifyStatus returns the error for an HTTP status answered by provider for model. cause
// is the SDK error, kept for the log. A status below 400 (or none) is classified as a
// transport failure.
func ClassifyStatus(provider, model string, status int, cause error) *ProviderError {
	switch {
	case status < 400:
		return ClassifyTransport(provider, cause)
	case status == 401:
		return ProviderErr(provider, lore.EUNAUTHORIZED, cause, "The %s provider rejected the API key or credentials; check them in Settings → AI provider", provider)
	case status == 403:
		return ProviderErr(provider, lore.EFORBIDDEN, cause, "The %s provider refused access to model %q; grant access to the model or choose another in Settings → AI provider", provider, model)
	case status == 404:
		return ProviderErr(provider, lore.ENOTFOUND, cause, "The %s provider does not know model %q at this endpoint; check the base URL and model name in Settings → AI provider", provider, model)
	case status == 408:
		return ProviderErr(provider, lore.EUNAVAILABLE, cause, "The %s provider timed out; Lore will retry the table later", provider)
	case status == 429:
		return ProviderErr(provider, lore.ETOOMANY, cause, "The %s provider is rate limiting Lore; Lore will retry the table later, or lower the concurrency in Settings → AI provider", provider)
	case status >= 500:
		return ProviderErr(provider, lore.EUNAVAILABLE, cause, "The %s provider failed (HTTP %d); Lore will retry the table later", provider, status)
	}
	return ProviderErr(provider, lore.EINVALID, cause, "The %s provider rejected Lore's request (HTTP %d); check the model name and endpoint in Settings → AI provider", provider, status)
}

// ClassifyTransport returns the error for a failure without an HTTP answer: a timeout, a
// cancelled context or a network error.
func ClassifyTransport(provider string, err error) *ProviderError {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return ProviderErr(provider, lore.EUNAVAILABLE, err, "The request to the %s provider was cancelled", provider)
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return ProviderErr(provider, lore.EUNAVAILABLE, err, "The %s provider did not answer in time; Lore will retry the table later, or raise the timeout in Settings → AI provider", provider)
	}
	return ProviderErr(provider, lore.EUNAVAILABLE, err, "Lore could not reach the %s provider; check the endpoint URL and the network", provider)
}
