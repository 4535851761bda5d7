package redshiftlocal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// signingService is the SigV4 service name of the Redshift Data API.
const signingService = "redshift-data"

// maxClockSkew is how far X-Amz-Date may be from the server clock, as at AWS.
const maxClockSkew = 15 * time.Minute

// signature is the parsed Authorization header of a SigV4 request.
type signature struct {
	accessKeyID   string
	date          string // yyyymmdd from the credential scope
	region        string
	service       string
	signedHeaders []string
	signature     string
}

// parseAuthorization splits an "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
// header into its parts.
func parseAuthorization(h string) (*signature, error) {
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(h, algo) {
		return nil, clientError(errIncompleteSigning, "Authorization header requires the AWS4-HMAC-SHA256 algorithm.")
	}
	var sig signature
	var cred string
	for _, part := range strings.Split(h[len(algo):], ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			sig.signedHeaders = strings.Split(v, ";")
		case "Signature":
			sig.signature = v
		}
	}
	if cred == "" || len(sig.signedHeaders) == 0 || sig.signature == "" {
		return nil, clientError(errIncompleteSigning, "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.")
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return nil, clientError(errIncompleteSigning, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'.", cred)
	}
	sig.accessKeyID, sig.date, sig.region, sig.service = parts[0], parts[1], parts[2], parts[3]
	return &sig, nil
}

// verifySignature checks r's SigV4 signature over body against the configured key pair and
// returns the exception AWS sends when it does not match.
func (s *Server) verifySignature(r *http.Request, body []byte) *apiError {
	h := r.Header.Get("Authorization")
	if h == "" {
		return clientError(errMissingAuthToken, "Missing Authentication Token")
	}
	sig, err := parseAuthorization(h)
	if err != nil {
		return err.(*apiError)
	}
	if sig.accessKeyID != s.cfg.AccessKeyID {
		return clientError(errUnrecognized, "The security token included in the request is invalid.")
	}
	if sig.service != signingService {
		return clientError(errInvalidSignature, "Credential should be scoped to correct service: '%s'. ", signingService)
	}
	amzDate := r.Header.Get("X-Amz-Date")
	t, perr := time.Parse("20060102T150405Z", amzDate)
	if perr != nil {
		return clientError(errIncompleteSigning, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if d := time.Since(t); d > maxClockSkew || d < -maxClockSkew {
		return clientError(errInvalidSignature, "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			amzDate, time.Now().UTC().Add(-maxClockSkew).Format("20060102T150405Z"), time.Now().UTC().Format("20060102T150405Z"))
	}
	if sig.date != amzDate[:8] {
		return clientError(errInvalidSignature, "Credential should be scoped to a valid date.")
	}
	canonical := canonicalRequest(r, sig.signedHeaders, body)
	scope := strings.Join([]string{sig.date, sig.region, sig.service, "aws4_request"}, "/")
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hexSHA256([]byte(canonical))
	key := hmacSHA256([]byte("AWS4"+s.cfg.SecretAccessKey), sig.date)
	key = hmacSHA256(key, sig.region)
	key = hmacSHA256(key, sig.service)
	key = hmacSHA256(key, "aws4_request")
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if !hmac.Equal([]byte(want), []byte(sig.signature)) {
		return clientError(errInvalidSignature, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return nil
}

// canonicalRequest builds the SigV4 canonical request of r.
func canonicalRequest(r *http.Request, signed []string, body []byte) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.Query()))
	b.WriteByte('\n')
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(headerValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(hexSHA256(body))
	return b.String()
}

func headerValue(r *http.Request, name string) string {
	switch name {
	case "host":
		return r.Host
	case "content-length":
		if v := r.Header.Get("Content-Length"); v != "" {
			return v
		}
		return strconv.FormatInt(r.ContentLength, 10)
	}
	vals := r.Header.Values(name)
	for i, v := range vals {
		vals[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(vals, ",")
}

// canonicalURI is the path, each segment URI-encoded again as non-S3 services expect.
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		segs[i] = awsEscape(seg)
	}
	return strings.Join(segs, "/")
}

func canonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vals := append([]string(nil), q[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			parts = append(parts, awsEscape(k)+"="+awsEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

// awsEscape percent-encodes everything but the RFC 3986 unreserved characters.
func awsEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
