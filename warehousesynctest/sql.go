package warehousesynctest

import (
	"fmt"
	"strings"
)

// forbiddenSQL are the keywords mParticle rejects in a data model's query (Warehouse Sync SQL reference).
var forbiddenSQL = []string{"DELETE", "UPDATE", "DROP", "CREATE", "ALTER", "WITH"}

// checkSQL validates a data model query: one statement (a trailing semicolon is allowed), starting with
// SELECT, without the forbidden keywords as whole words. String literals ('…'), quoted identifiers
// ("…", `…`) and comments (-- …, /* … */) are skipped, so 'deleted' or "update_time" are fine. It returns
// the rule broken, or "".
func checkSQL(query string) string {
	code, problem := sqlCode(query)
	if problem != "" {
		return problem
	}
	code = strings.TrimSpace(code)
	code = strings.TrimSpace(strings.TrimSuffix(code, ";"))
	if code == "" {
		return "is required: a single SELECT query"
	}
	if strings.Contains(code, ";") {
		return "must be a single statement: ';' is allowed only at the end"
	}
	words := sqlWords(code)
	if len(words) == 0 || !strings.EqualFold(words[0], "SELECT") {
		return "must be a single SELECT query (it must start with SELECT)"
	}
	for _, w := range words {
		for _, f := range forbiddenSQL {
			if strings.EqualFold(w, f) {
				return fmt.Sprintf("%s is not supported: a data model is a single SELECT query (%s are rejected)",
					f, strings.Join(forbiddenSQL, ", "))
			}
		}
	}
	return ""
}

// sqlCode returns query with literals, quoted identifiers and comments replaced by spaces.
func sqlCode(query string) (string, string) {
	var b strings.Builder
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			end := closingQuote(query, i)
			if end < 0 {
				return "", fmt.Sprintf("has an unterminated quote %c", c)
			}
			b.WriteByte(' ')
			i = end + 1
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				return b.String(), ""
			}
			b.WriteByte(' ')
			i += end + 1
		case c == '/' && strings.HasPrefix(query[i:], "/*"):
			end := strings.Index(query[i+2:], "*/")
			if end < 0 {
				return "", "has an unterminated /* comment"
			}
			b.WriteByte(' ')
			i += end + 4
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), ""
}

// closingQuote returns the index of the quote closing the one at start (a doubled quote is an escaped
// one), or -1.
func closingQuote(s string, start int) int {
	q := s[start]
	for i := start + 1; i < len(s); i++ {
		if s[i] != q {
			continue
		}
		if i+1 < len(s) && s[i+1] == q {
			i++
			continue
		}
		return i
	}
	return -1
}

// sqlWords splits code into words of letters, digits, _ and $.
func sqlWords(code string) []string {
	return strings.FieldsFunc(code, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '$' || r > 127)
	})
}
