package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/lorehq/lore"
)

// statusOf maps each lore error code to its HTTP status. HTML and JSON responses share it.
var statusOf = map[string]int{
	lore.EINVALID:      http.StatusBadRequest,
	lore.EUNAUTHORIZED: http.StatusUnauthorized,
	lore.EFORBIDDEN:    http.StatusForbidden,
	lore.ENOTFOUND:     http.StatusNotFound,
	lore.ECONFLICT:     http.StatusConflict,
	lore.ETOOMANY:      http.StatusTooManyRequests,
	lore.EUNAVAILABLE:  http.StatusServiceUnavailable,
	lore.EINTERNAL:     http.StatusInternalServerError,
}

// codeTooLarge is the web-only code of a request body over its route's limit.
const codeTooLarge = "too_large"

// retryError is an ETOOMANY error that knows when the client may try again.
type retryError struct {
	err   *lore.Error
	after int // seconds
}

func (e *retryError) Error() string { return e.err.Message }
func (e *retryError) Unwrap() error { return e.err }

// errorInfo returns the HTTP status, code and user-facing message of err.
func errorInfo(err error) (status int, code, msg string) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return http.StatusRequestEntityTooLarge, codeTooLarge,
			"The request is larger than " + strconv.FormatInt(tooBig.Limit, 10) + " bytes. Send less data."
	}
	code = lore.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status, code = http.StatusInternalServerError, lore.EINTERNAL
	}
	return status, code, lore.ErrorMessage(err)
}

// logError logs internal errors with their detail; user errors are not worth a log line.
func (s *Server) logError(r *http.Request, status int, err error) {
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
}

// setRetryAfter sets Retry-After when err carries one.
func setRetryAfter(w http.ResponseWriter, err error) {
	var re *retryError
	if errors.As(err, &re) {
		w.Header().Set("Retry-After", strconv.Itoa(re.after))
	}
}

// errorPage is the data of the HTML error page.
type errorPage struct {
	Page
	Status  int
	Message string
}

// htmlError renders err as the HTML error page with its status.
func (s *Server) htmlError(w http.ResponseWriter, r *http.Request, err error) {
	status, _, msg := errorInfo(err)
	s.logError(r, status, err)
	setRetryAfter(w, err)
	s.render(w, r, status, "error", &errorPage{
		Page:    Page{Title: http.StatusText(status)},
		Status:  status,
		Message: msg,
	})
}

// jsonError writes err as {"error":{"code":…,"message":…}} with its status.
func (s *Server) jsonError(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg := errorInfo(err)
	s.logError(r, status, err)
	setRetryAfter(w, err)
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"Internal error: the details are in the server log."}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
