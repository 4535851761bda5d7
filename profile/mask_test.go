package profile

import (
	"strings"
	"testing"
)

func TestSensitiveByName(t *testing.T) {
	t.Parallel()
	sensitive := []string{
		"email", "EMAIL", "user_email", "userEmail", "e_mail", "e-mail", "phone", "phone_number",
		"mobile", "credit_card_number", "cardNo", "card", "ssn", "national_id", "NationalID",
		"passport_no", "password", "password_hash", "passwd", "api_token", "accessToken",
		"client_secret", "apikey", "api_key", "date_of_birth", "dob", "firstname", "last_name",
		"iban", "ip_address",
	}
	for _, n := range sensitive {
		if !Sensitive(n, nil) {
			t.Errorf("Sensitive(%q) = false, want true", n)
		}
	}
	plain := []string{
		"venueid", "venuename", "venuecity", "venuestate", "venueseats", "eventname", "catgroup",
		"catdesc", "caldate", "holiday", "starttime", "qtysold", "pricepaid", "commission",
		"description", "status", "company", "timespan", "state",
	}
	for _, n := range plain {
		if Sensitive(n, []string{"Opera", "Pop", "2008-01-01", "42"}) {
			t.Errorf("Sensitive(%q) = true, want false", n)
		}
	}
}

func TestSensitiveByValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		values []string
		want   bool
	}{
		{[]string{"Opera", "ann.lee@example.com"}, true},
		{[]string{"4111 1111 1111 1111"}, true},    // Luhn-valid test card
		{[]string{"4111 1111 1111 1112"}, false},   // fails Luhn
		{[]string{"078-05-1120"}, true},            // SSN shape
		{[]string{"GB82WEST12345698765432"}, true}, // IBAN
		{[]string{"AKIAIOSFODNN7EXAMPLE"}, true},   // access key id
		{[]string{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"}, true},
		{[]string{"(555) 123-4567", "+44 20 7946 0958", "n/a"}, true},
		{[]string{"(555) 123-4567", "Opera", "Jazz"}, false}, // one phone-like value in three
		{[]string{"2008-01-01", "2008-12-31"}, false},
		{[]string{"Madison Square Garden", "Shea Stadium"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := Sensitive("notes", tt.values); got != tt.want {
			t.Errorf("Sensitive(notes, %q) = %v, want %v", tt.values, got, tt.want)
		}
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Ann.Lee@mail.com":    "Xxx.Xxx@xxxx.xxx",
		"4111 1111 1111 1111": "9999 9999 9999 9999",
		"(555) 123-4567":      "(999) 999-9999",
		"Zoë 名前":              "Xxx xx",
		"":                    "",
	}
	for in, want := range tests {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	if got := truncate("abcdef", 3); got != "abc…" {
		t.Errorf("truncate = %q", got)
	}
	if got := truncate("名前名前", 2); got != "名前…" {
		t.Errorf("truncate multibyte = %q", got)
	}
	if got := truncate("abc", 3); got != "abc" {
		t.Errorf("truncate at limit = %q", got)
	}
	long := strings.Repeat("x", 10)
	if got := firstDistinct([]string{"a", "b", "a", long, "c"}, 3); strings.Join(got, ",") != "a,b,"+long {
		t.Errorf("firstDistinct = %q", got)
	}
}
