package describe

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/lorehq/lore"
)

// Limits on what a prompt carries from a profile.
const (
	maxSamples     = 8
	maxSampleRunes = 60
)

// sensitiveWords are name parts of columns whose values are personal or secret: such columns
// send no samples at all, whatever the profiler did.
var sensitiveWords = map[string]bool{
	"email": true, "mail": true, "phone": true, "mobile": true, "cell": true, "fax": true,
	"ssn": true, "passport": true, "password": true, "passwd": true, "pwd": true,
	"secret": true, "token": true, "apikey": true, "iban": true, "swift": true, "card": true,
	"ccn": true, "cvv": true, "address": true, "street": true, "birth": true, "dob": true,
	"birthdate": true, "birthday": true, "salary": true, "firstname": true, "lastname": true,
	"surname": true, "fullname": true, "username": true, "login": true, "ip": true,
	"license": true, "licence": true, "tax": true, "national": true, "credential": true,
}

var (
	emailRe = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}`)
	ibanRe  = regexp.MustCompile(`(?i)\b[a-z]{2}[0-9]{2}[a-z0-9 ]{11,30}\b`)
	digitRe = regexp.MustCompile(`[0-9]`)
	ipv4Re  = regexp.MustCompile(`\b\d{1,3}(\.\d{1,3}){3}\b`)
	dateRe  = regexp.MustCompile(`\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}`)
)

// SensitiveName reports whether a column's name says its values are personal or secret.
func SensitiveName(column string) bool {
	words := SplitName(column)
	for i, w := range words {
		if sensitiveWords[w] {
			return true
		}
		if i > 0 && (w == "name" || w == "number" || w == "no") {
			switch words[i-1] {
			case "first", "last", "full", "given", "family", "middle", "user", "maiden",
				"card", "account", "phone", "passport", "social", "tax", "license":
				return true
			}
		}
	}
	return false
}

// SafeSamples returns the sample values of a column that may go into a prompt: none for a
// column with a sensitive name, and otherwise at most a few short values with anything that
// looks like an e-mail address, phone or card number, IBAN or IP address replaced by a
// placeholder. It never returns more than the profile holds.
func SafeSamples(column string, p *lore.ColumnProfile) []string {
	if p == nil || len(p.Samples) == 0 || SensitiveName(column) {
		return nil
	}
	out := make([]string, 0, min(len(p.Samples), maxSamples))
	for _, s := range p.Samples {
		if len(out) == maxSamples {
			break
		}
		out = append(out, MaskValue(s))
	}
	return out
}

// MaskValue replaces the parts of s that look personal (e-mail addresses, long digit runs such
// as phone or card numbers, IBANs, IP addresses) with placeholders and shortens it.
func MaskValue(s string) string {
	s = emailRe.ReplaceAllString(s, "<email>")
	s = ipv4Re.ReplaceAllString(s, "<ip>")
	s = ibanRe.ReplaceAllStringFunc(s, func(m string) string {
		if len(digitRe.FindAllString(m, -1)) >= 8 {
			return "<account>"
		}
		return m
	})
	s = maskDigitRuns(s)
	r := []rune(s)
	if len(r) > maxSampleRunes {
		s = string(r[:maxSampleRunes]) + "…"
	}
	return s
}

// maskDigitRuns replaces runs of 7 or more digits, allowing the separators people put in
// phone and card numbers, with "<number>".
func maskDigitRuns(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i := 0; i < len(r); {
		if !unicode.IsDigit(r[i]) && r[i] != '+' && r[i] != '(' {
			b.WriteRune(r[i])
			i++
			continue
		}
		j, digits := i, 0
		for j < len(r) && (unicode.IsDigit(r[j]) || strings.ContainsRune(" -.()+/", r[j])) {
			if unicode.IsDigit(r[j]) {
				digits++
			}
			j++
		}
		if digits >= 7 && !dateRe.MatchString(string(r[i:j])) {
			// Keep trailing separators such as a space before the next word.
			k := j
			for k > i && !unicode.IsDigit(r[k-1]) && r[k-1] != ')' {
				k--
			}
			b.WriteString("<number>")
			b.WriteString(string(r[k:j]))
		} else {
			b.WriteString(string(r[i:j]))
		}
		if j == i {
			j++
		}
		i = j
	}
	return b.String()
}

// SplitName splits an identifier into lower-case words at underscores, hyphens, spaces, dots,
// digit boundaries and camelCase humps: "orderID" and "order_id" both give [order id],
// "HTTPStatus2xx" gives [http status 2 xx].
func SplitName(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	r := []rune(name)
	for i, c := range r {
		switch {
		case c == '_' || c == '-' || c == ' ' || c == '.' || c == '$' || c == '#':
			flush()
			continue
		case i > 0 && unicode.IsUpper(c) && unicode.IsLower(r[i-1]):
			flush()
		case i > 0 && unicode.IsUpper(c) && i+1 < len(r) && unicode.IsLower(r[i+1]) && unicode.IsUpper(r[i-1]):
			flush()
		case i > 0 && unicode.IsDigit(c) != unicode.IsDigit(r[i-1]):
			flush()
		}
		cur = append(cur, c)
	}
	flush()
	return words
}
