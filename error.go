package left4me

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the web package and to one
// exit code in the command-line tools.
const (
	ECONFLICT       = "conflict"        // state conflict: already exists, already running
	EINTERNAL       = "internal"        // anything unexpected; its message is never shown
	EINVALID        = "invalid"         // bad input
	ENOTFOUND       = "not_found"       // no such thing
	EUNAUTHORIZED   = "unauthorized"    // not logged in, bad token or password
	EFORBIDDEN      = "forbidden"       // logged in but not allowed
	ETOOMANY        = "too_many"        // throttled
	ENOTIMPLEMENTED = "not_implemented" // not available on this host
)

// Error is the user-facing error: its Message is safe to show to whoever made
// the request. Other errors are internal and are logged, not shown.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("left4me error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain and a
// generic text for any other error, so internal details never leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// Sentinel errors for state conflicts; wrap them to add context.
var (
	// ErrJobActive is returned when a server already has a lifecycle job queued or running.
	ErrJobActive = &Error{Code: ECONFLICT, Message: "another job for this server is queued or running"}
	// ErrNotInitialized is returned when an instance has no spec on disk.
	ErrNotInitialized = &Error{Code: ENOTFOUND, Message: "instance is not initialized"}
)
