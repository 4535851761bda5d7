package redshiftlocal

import (
	"fmt"
	"net/http"
)

// apiError is an error in the Data API's wire form: an exception type, the HTTP status of its
// fault class and the extra members some exceptions carry.
type apiError struct {
	Type        string
	Status      int
	Message     string
	StatementID string
	ResourceID  string
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

// Exception type names as the SDK maps them.
const (
	errValidation        = "ValidationException"
	errResourceNotFound  = "ResourceNotFoundException"
	errActiveStatements  = "ActiveStatementsExceededException"
	errExecute           = "ExecuteStatementException"
	errBatchExecute      = "BatchExecuteStatementException"
	errDatabaseConn      = "DatabaseConnectionException"
	errInternal          = "InternalServerException"
	errThrottling        = "ThrottlingException"
	errUnknownOperation  = "UnknownOperationException"
	errUnrecognized      = "UnrecognizedClientException"
	errInvalidSignature  = "InvalidSignatureException"
	errMissingAuthToken  = "MissingAuthenticationTokenException"
	errIncompleteSigning = "IncompleteSignatureException"
	errSerialization     = "SerializationException"
)

func validationf(format string, args ...any) *apiError {
	return &apiError{Type: errValidation, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func notFoundQuery(id string) *apiError {
	return &apiError{Type: errResourceNotFound, Status: http.StatusBadRequest, Message: "Query does not exist.", ResourceID: id}
}

func clientError(typ, format string, args ...any) *apiError {
	return &apiError{Type: typ, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func serverError(typ, format string, args ...any) *apiError {
	return &apiError{Type: typ, Status: http.StatusInternalServerError, Message: fmt.Sprintf(format, args...)}
}

// body returns the JSON body AWS JSON 1.1 services send with an error.
func (e *apiError) body() map[string]any {
	b := map[string]any{"__type": e.Type, "message": e.Message}
	if e.StatementID != "" {
		b["StatementId"] = e.StatementID
	}
	if e.ResourceID != "" {
		b["ResourceId"] = e.ResourceID
	}
	return b
}
