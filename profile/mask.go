package profile

import (
	"regexp"
	"strings"
	"unicode"
)

// Words that make a column name sensitive when they appear as a whole word of the name
// (split at underscores, digits, punctuation and camelCase humps: "userEmail", "e_mail_2").
var sensitiveWords = map[string]bool{
	"email": true, "mail": true, "phone": true, "mobile": true, "cell": true, "fax": true,
	"telephone": true, "tel": true, "card": true, "cc": true, "ccn": true, "cvv": true, "cvc": true,
	"pan": true, "iban": true, "bic": true, "swift": true, "ssn": true, "sin": true, "nino": true,
	"passport": true, "license": true, "licence": true, "tin": true, "taxid": true, "vat": true,
	"password": true, "passwd": true, "pwd": true, "pass": true, "token": true, "secret": true,
	"apikey": true, "salt": true, "hash": true, "otp": true, "pin": true, "dob": true,
	"birthdate": true, "birthday": true, "address": true, "street": true, "postcode": true,
	"zip": true, "zipcode": true, "ip": true,
}

// Phrases matched against the name with separators removed ("e-mail", "credit_card_no").
var sensitivePhrases = []string{
	"email", "phone", "creditcard", "cardnumber", "cardno", "accountnumber", "accountno",
	"routingnumber", "socialsecurity", "nationalid", "nationalinsurance", "personalid",
	"passport", "password", "passwd", "secret", "token", "apikey", "accesskey", "privatekey",
	"birthdate", "dateofbirth", "ipaddress", "taxnumber", "driverslicense",
	"firstname", "lastname", "surname", "fullname", "givenname", "familyname", "maidenname",
}

// Value patterns that mark a column sensitive when any sampled value matches.
var (
	emailValue = regexp.MustCompile(`(?i)^[^\s@]+@[^\s@]+\.[a-z]{2,}$`)
	ssnValue   = regexp.MustCompile(`^\d{3}-\d{2}-\d{4}$`)
	ibanValue  = regexp.MustCompile(`^[A-Z]{2}\d{2}[A-Z0-9 ]{11,34}$`)
	jwtValue   = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$`)
	awsKey     = regexp.MustCompile(`^(AKIA|ASIA)[A-Z0-9]{16}$`)
	secretish  = regexp.MustCompile(`^(sk|pk|ghp|gho|xox[bap])[-_][A-Za-z0-9_-]{16,}$`)
	phoneValue = regexp.MustCompile(`^\+?[\d\s().-]{7,20}$`)
	dateLike   = regexp.MustCompile(`^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}`)
)

// Sensitive reports whether a column holds personal or secret data, judged by its name (e-mail,
// phone, card, national id, password, token, secret…) or by any of its sampled values (e-mail
// addresses, card numbers passing the Luhn check, US social security numbers, IBANs, JWTs,
// access keys, phone numbers). It errs on the side of masking.
func Sensitive(columnName string, samples []string) bool {
	if sensitiveName(columnName) {
		return true
	}
	phones, nonEmpty := 0, 0
	for _, v := range samples {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		nonEmpty++
		if emailValue.MatchString(v) || ssnValue.MatchString(v) || ibanValue.MatchString(v) ||
			jwtValue.MatchString(v) || awsKey.MatchString(v) || secretish.MatchString(v) || cardNumber(v) {
			return true
		}
		if n := digits(v); n >= 7 && n <= 15 && phoneValue.MatchString(v) && !dateLike.MatchString(v) {
			phones++
		}
	}
	// E.164 numbers have at most 15 digits. A lone number-like value may be a code or an amount;
	// a column mostly of them is phones.
	return nonEmpty > 0 && phones*2 > nonEmpty
}

// sensitiveName matches name's words and its squashed form against the lists above.
func sensitiveName(name string) bool {
	var words []string
	var cur []rune
	var prev rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range name {
		switch {
		case !unicode.IsLetter(r):
			flush()
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	for _, w := range words {
		if sensitiveWords[w] {
			return true
		}
	}
	squashed := strings.Join(words, "")
	for _, p := range sensitivePhrases {
		if strings.Contains(squashed, p) {
			return true
		}
	}
	return false
}

// digits counts the ASCII digits in s.
func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// cardNumber reports whether s is 13–19 digits (spaces and dashes allowed) passing the Luhn check.
func cardNumber(s string) bool {
	var ds []int
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			ds = append(ds, int(r-'0'))
		case r == ' ' || r == '-':
		default:
			return false
		}
	}
	if len(ds) < 13 || len(ds) > 19 {
		return false
	}
	sum := 0
	for i := range ds {
		d := ds[len(ds)-1-i]
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// Mask returns value with its shape kept and its content removed: every letter becomes x (X
// when upper case), every digit 9, and punctuation and spaces stay, so "Ann.Lee@mail.com" becomes
// "Xxx.Xxx@xxxx.xxx". The result reveals the format and length of a value, never its content.
func Mask(value string) string {
	var b strings.Builder
	b.Grow(len(value))
	for _, r := range value {
		switch {
		case unicode.IsUpper(r):
			b.WriteByte('X')
		case unicode.IsLetter(r):
			b.WriteByte('x')
		case unicode.IsDigit(r):
			b.WriteByte('9')
		case unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r):
			b.WriteRune(r)
		default:
			b.WriteByte('*')
		}
	}
	return b.String()
}
