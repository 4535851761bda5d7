package redshiftlocal

import (
	"regexp"
	"strconv"
	"strings"
)

// sqlParameter is one named parameter of ExecuteStatement or BatchExecuteStatement.
type sqlParameter struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

var paramNamePattern = regexp.MustCompile(`^[0-9a-zA-Z_]+$`)

// validateParams checks the documented constraints on Parameters.
func validateParams(ps []sqlParameter, present bool) error {
	if present && len(ps) == 0 {
		return validationf("1 validation error detected: Value '[]' at 'parameters' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	seen := map[string]bool{}
	for _, p := range ps {
		if !paramNamePattern.MatchString(p.Name) {
			return validationf("1 validation error detected: Value '%s' at 'parameters.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9a-zA-Z_]+$", p.Name)
		}
		if p.Value == "" {
			return validationf("1 validation error detected: Value at 'parameters.member.value' failed to satisfy constraint: Member must have length greater than or equal to 1")
		}
		if seen[p.Name] {
			return validationf("Parameter %s is given more than once; give each name once.", p.Name)
		}
		seen[p.Name] = true
	}
	return nil
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// bindParams rewrites every :name reference to a supplied parameter into a PostgreSQL
// placeholder, so values are bound, never spliced. References inside string literals, quoted
// identifiers, dollar quotes and comments are left alone, as are :: casts and names nobody
// supplied (PostgreSQL then reports the syntax error, as Redshift does). It returns the
// rewritten SQL, the values in placeholder order and the names it bound.
func bindParams(sql string, values map[string]string) (string, []string, map[string]bool) {
	var b strings.Builder
	var args []string
	index := map[string]int{}
	used := map[string]bool{}
	n := len(sql)
	for i := 0; i < n; {
		c := sql[i]
		switch {
		case c == '\'':
			escapes := i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e') && (i < 2 || !isNameByte(sql[i-2]))
			j := i + 1
			for j < n {
				if escapes && sql[j] == '\\' {
					j += 2
					continue
				}
				if sql[j] == '\'' {
					if j+1 < n && sql[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			j = min(j+1, n)
			b.WriteString(sql[i:j])
			i = j
		case c == '"':
			j := i + 1
			for j < n && !(sql[j] == '"' && (j+1 >= n || sql[j+1] != '"')) {
				if sql[j] == '"' {
					j++
				}
				j++
			}
			j = min(j+1, n)
			b.WriteString(sql[i:j])
			i = j
		case c == '-' && i+1 < n && sql[i+1] == '-':
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				j = n - i
			}
			b.WriteString(sql[i : i+j])
			i += j
		case c == '/' && i+1 < n && sql[i+1] == '*':
			j, depth := i+2, 1
			for j < n && depth > 0 {
				switch {
				case strings.HasPrefix(sql[j:], "/*"):
					depth++
					j += 2
				case strings.HasPrefix(sql[j:], "*/"):
					depth--
					j += 2
				default:
					j++
				}
			}
			b.WriteString(sql[i:j])
			i = j
		case c == '$' && (i == 0 || !isNameByte(sql[i-1])):
			tag, ok := dollarTag(sql[i:])
			if !ok {
				b.WriteByte(c)
				i++
				continue
			}
			end := strings.Index(sql[i+len(tag):], tag)
			j := n
			if end >= 0 {
				j = i + len(tag) + end + len(tag)
			}
			b.WriteString(sql[i:j])
			i = j
		case c == ':' && i+1 < n && sql[i+1] == ':':
			b.WriteString("::")
			i += 2
		case c == ':':
			j := i + 1
			for j < n && isNameByte(sql[j]) {
				j++
			}
			name := sql[i+1 : j]
			v, ok := values[name]
			if name == "" || !ok {
				b.WriteString(sql[i:j])
				i = j
				continue
			}
			k, seen := index[name]
			if !seen {
				args = append(args, v)
				k = len(args)
				index[name] = k
			}
			used[name] = true
			b.WriteString("$" + strconv.Itoa(k))
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), args, used
}

// dollarTag returns the opening $tag$ at the start of s, if s starts with one.
func dollarTag(s string) (string, bool) {
	j := 1
	for j < len(s) && isNameByte(s[j]) {
		j++
	}
	if j >= len(s) || s[j] != '$' {
		return "", false
	}
	if j > 1 && s[1] >= '0' && s[1] <= '9' {
		return "", false
	}
	return s[:j+1], true
}
