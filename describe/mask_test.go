package describe

import (
	"strings"
	"testing"

	"github.com/lorehq/lore"
)

func TestSensitiveName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"email": true, "EmailAddress": true, "phone": true, "firstname": true, "first_name": true,
		"LastName": true, "user_password": true, "card_number": true, "catname": false,
		"eventname": false, "venuecity": false, "ip_address": true, "price": false,
	} {
		if got := SensitiveName(name); got != want {
			t.Errorf("SensitiveName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestSafeSamples(t *testing.T) {
	t.Parallel()
	p := &lore.ColumnProfile{Samples: []string{
		"write to jane.doe@example.com now", "+1 (555) 010-2345", "4111 1111 1111 1111",
		"2008-01-05", "2008-01-05 10:30:00", strings.Repeat("x", 100), "Sports",
		"DE89 3704 0044 0532 0130 00", "10.1.2.3", "a", "b", "c",
	}}
	got := SafeSamples("note", p)
	joined := strings.Join(got, "|")
	for _, secret := range []string{"jane.doe", "555", "4111", "3704", "10.1.2.3"} {
		if strings.Contains(joined, secret) {
			t.Errorf("SafeSamples kept %q: %s", secret, joined)
		}
	}
	for _, kept := range []string{"write to <email> now", "2008-01-05", "2008-01-05 10:30:00", "Sports"} {
		if !strings.Contains(joined, kept) {
			t.Errorf("SafeSamples lost %q: %s", kept, joined)
		}
	}
	if len(got) != maxSamples {
		t.Errorf("len = %d, want %d", len(got), maxSamples)
	}
	if n := len([]rune(got[5])); n != maxSampleRunes+1 {
		t.Errorf("long sample not cut: %d runes", n)
	}
	if m := MaskValue("from 10.1.2.3 at 2024-05-01"); m != "from <ip> at 2024-05-01" {
		t.Errorf("MaskValue = %q", m)
	}
	if s := SafeSamples("email", &lore.ColumnProfile{Samples: []string{"Harmless"}}); s != nil {
		t.Errorf("samples of a sensitive column = %v, want none", s)
	}
}

func TestSplitName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"order_id": "order id", "orderID": "order id", "HTTPStatus2xx": "http status 2 xx",
		"CustomerFirstName": "customer first name", "priceperticket": "priceperticket",
		"Sales.Order-Line": "sales order line", "": "",
	} {
		if got := strings.Join(SplitName(in), " "); got != want {
			t.Errorf("SplitName(%q) = %q, want %q", in, got, want)
		}
	}
}
