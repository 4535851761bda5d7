// Package lore holds Lore's domain types and the interfaces between its parts. Packages named
// after a technology (store, warehouse, vault, web, jobs, …) implement them; only cmd/lore wires
// them together.
package lore

import (
	"errors"
	"fmt"
)

// Error codes. Every error that reaches a user carries one of them.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	EUNAVAILABLE  = "unavailable"
	EINTERNAL     = "internal"
	ETOOMANY      = "too_many_requests"
)

// Error is an error with a code and a message meant for the user: it says what went wrong and
// what to do next. Anything else is wrapped and treated as internal.
type Error struct {
	Code    string
	Message string
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other
// error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of its *Error, or a generic
// text for internal errors, whose detail belongs in the log only.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error: the details are in the server log."
}
