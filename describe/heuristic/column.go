package heuristic

import (
	"strconv"
	"strings"

	"github.com/lorehq/lore"
	"github.com/lorehq/lore/describe"
)

// typeClass is the broad kind of a warehouse type.
type typeClass int

const (
	typeOther typeClass = iota
	typeText
	typeNumber
	typeBool
	typeDate
	typeTime
)

func classify(typ string) typeClass {
	t := strings.ToLower(typ)
	switch {
	case strings.HasPrefix(t, "bool"):
		return typeBool
	case strings.Contains(t, "timestamp"), strings.HasPrefix(t, "datetime"), strings.HasPrefix(t, "time"):
		return typeTime
	case strings.HasPrefix(t, "date"):
		return typeDate
	case strings.Contains(t, "char"), strings.Contains(t, "text"), strings.HasPrefix(t, "string"), strings.HasPrefix(t, "citext"):
		return typeText
	case strings.Contains(t, "int"), strings.HasPrefix(t, "numeric"), strings.HasPrefix(t, "decimal"),
		strings.HasPrefix(t, "number"), strings.HasPrefix(t, "real"), strings.HasPrefix(t, "double"),
		strings.HasPrefix(t, "float"), strings.HasPrefix(t, "money"):
		return typeNumber
	}
	return typeOther
}

var (
	moneyWords = wordSet("price prices cost costs amount amounts paid pay payment fee fees tax taxes discount commission revenue profit balance salary total sum spend spent")
	countWords = wordSet("qty quantity count num number numbers cnt")
	nameWords  = wordSet("name title label")
	placeWords = wordSet("city state country region zip postal address street")
	codeWords  = wordSet("code type kind status category group class tier segment")
	pastTense  = map[string]string{"created": "created", "updated": "last updated", "deleted": "deleted", "modified": "last modified", "loaded": "loaded", "inserted": "inserted"}
)

// column writes one column's description from its name, type, keys and profile.
func (t *tableInfo) column(c describe.ColumnInput) string {
	ws := words(c.Name, t.vocab)
	if len(ws) == 0 {
		return ""
	}
	class := classify(c.Type)
	last := ws[len(ws)-1]
	rest := ws[:len(ws)-1]
	subject := phrase(rest)
	lower := strings.ToLower(c.Name)
	var text string
	ref, isFK := t.fks[lower]
	switch {
	case t.pk[lower] && !isFK:
		text = "Unique identifier of each " + t.noun + "."
	case isFK:
		what := subject
		if what == "" || what == "id" {
			what = singularName(ref)
		}
		text = sentence("Identifier of the " + what + "; refers to " + ref.Schema + "." + ref.Name)
	case last == "id" || last == "key" || last == "uuid" || last == "sk" || last == "guid":
		switch {
		case subject == "" || subject == t.noun:
			text = "Identifier of the " + t.noun + "."
		default:
			text = sentence("Identifier of the " + subject)
		}
	case class == typeBool || ws[0] == "is" || ws[0] == "has" || ws[0] == "can" || ws[0] == "should" || last == "flag":
		text = flagText(ws, t.noun)
	case len(ws) > 1 && strings.HasSuffix(last, "at") && pastTense[ws[0]] != "":
		text = sentence("When the " + t.noun + " was " + pastTense[ws[0]])
	case last == "at" && len(ws) > 1 && pastTense[ws[len(ws)-2]] != "":
		text = sentence("When the " + t.noun + " was " + pastTense[ws[len(ws)-2]])
	case hasAny(ws, moneyWords) && class != typeText:
		text = sentence(phrase(ws) + ", a monetary amount")
	case (ws[0] == "qty" || ws[0] == "quantity") && len(ws) > 1:
		text = sentence("Quantity " + phrase(ws[1:]))
	case countWords[ws[0]] && len(ws) > 1:
		text = sentence("Number of " + phrase(ws[1:]))
	case hasAny(ws, countWords) && class == typeNumber:
		text = sentence(phrase(ws))
	case nameWords[last]:
		text = nameText(rest, last, t.noun)
	case last == "desc" || last == "description":
		text = sentence("Description of the " + orNoun(subject, t.noun))
	case last == "email" || last == "mail":
		text = sentence("E-mail address of the " + orNoun(subject, t.noun))
	case last == "phone":
		text = sentence("Phone number of the " + orNoun(subject, t.noun))
	case placeWords[last]:
		text = sentence(phrase([]string{last}) + " of the " + orNoun(subject, t.noun))
	case (last == "time" || last == "timestamp" || last == "ts") && len(rest) > 0 && class != typeNumber:
		text = sentence("Date and time of the " + subject)
	case last == "date" || last == "dt" || last == "day":
		text = sentence(phrase(ws))
	case class == typeDate:
		text = sentence(phrase(ws) + " (a date)")
	case class == typeTime:
		text = sentence(phrase(ws) + " (a date and time)")
	case hasAny(ws, wordSet("percent pct rate ratio")):
		text = sentence(phrase(ws) + ", a rate or percentage")
	case codeWords[last]:
		text = sentence(phrase(ws) + " of the " + t.noun)
	default:
		text = sentence(phrase(ws))
	}
	return text + profileText(c, class)
}

func flagText(ws []string, noun string) string {
	switch ws[0] {
	case "is", "has", "can", "should":
		if len(ws) == 1 {
			return "True or false."
		}
		return sentence("Whether the " + noun + " " + ws[0] + " " + phrase(ws[1:]))
	}
	if ws[len(ws)-1] == "flag" && len(ws) > 1 {
		ws = ws[:len(ws)-1]
	}
	return sentence("Flag: " + phrase(ws) + " (true or false)")
}

func nameText(rest []string, last, noun string) string {
	if len(rest) == 0 {
		return sentence(last + " of the " + noun)
	}
	switch rest[len(rest)-1] {
	case "first", "last", "full", "middle", "user", "given", "family":
		return sentence(phrase(rest) + " " + last)
	}
	return sentence(last + " of the " + phrase(rest))
}

// profileText adds what the profile says: the range of numbers and dates, example values
// (masked), and how often the column is empty.
func profileText(c describe.ColumnInput, class typeClass) string {
	p := c.Profile
	if p == nil || p.SkipReason != "" {
		return ""
	}
	var b strings.Builder
	if p.Min != nil && p.Max != nil && !describe.SensitiveName(c.Name) {
		switch class {
		case typeNumber:
			if *p.Min == *p.Max {
				b.WriteString(" Always " + *p.Min + ".")
			} else {
				b.WriteString(" Between " + *p.Min + " and " + *p.Max + ".")
			}
		case typeDate, typeTime:
			b.WriteString(" From " + *p.Min + " to " + *p.Max + ".")
		}
	}
	if s := describe.SafeSamples(c.Name, p); len(s) > 0 && class == typeText {
		if len(s) > 3 {
			s = s[:3]
		}
		b.WriteString(" For example: " + strings.Join(s, ", ") + ".")
	}
	if p.NullCount != nil && *p.NullCount == 0 {
		b.WriteString(" Never empty.")
	}
	return b.String()
}

func hasAny(ws []string, set map[string]bool) bool {
	for _, w := range ws {
		if set[w] {
			return true
		}
	}
	return false
}

func orNoun(subject, noun string) string {
	if subject == "" {
		return noun
	}
	return subject
}

func singularName(r lore.TableRef) string {
	ws := describe.SplitName(r.Name)
	if len(ws) == 0 {
		return r.Name
	}
	ws[len(ws)-1] = singular(ws[len(ws)-1])
	return phrase(ws)
}

// thousands formats n with comma separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
