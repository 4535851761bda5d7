package redshiftlocal

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// pageToken returns the NextToken that resumes op at offset.
func pageToken(op string, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("redshiftlocal:" + op + ":" + strconv.Itoa(offset)))
}

// pageOffset decodes a NextToken made by pageToken for op; "" means the first page.
func pageOffset(op, token string) (int, error) {
	if token == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err == nil {
		rest, ok := strings.CutPrefix(string(raw), "redshiftlocal:"+op+":")
		if ok {
			if n, err := strconv.Atoi(rest); err == nil && n >= 0 {
				return n, nil
			}
		}
	}
	return 0, validationf("The NextToken is not valid for %s; pass the NextToken of the previous page unchanged, or none to start over.", op)
}

// page slices items from offset, at most limit of them, and returns the token of the next page
// ("" when this is the last).
func page[T any](op string, items []T, offset, limit int) ([]T, string) {
	if offset > len(items) {
		offset = len(items)
	}
	end := min(offset+limit, len(items))
	next := ""
	if end < len(items) {
		next = pageToken(op, end)
	}
	return items[offset:end], next
}

// maxResults checks a MaxResults member against its documented range and returns the page size
// to use (the upper bound when the caller left it 0).
func maxResults(v, upper int) (int, error) {
	if v < 0 {
		return 0, validationf("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0", v)
	}
	if v > upper {
		return 0, validationf("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to %d", v, upper)
	}
	if v == 0 {
		return upper, nil
	}
	return v, nil
}
