package warehousesync

import (
	"encoding/base64"
	"encoding/hex"
	"html"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// minSharedRun is the length, in characters, of the shortest run of text that a server's answer may
// not share with a secret: text that shares a run this long (or a whole shorter secret) is withheld.
const minSharedRun = 6

// withheldText stands for a message or a reason phrase that is withheld because it may hold a secret.
const withheldText = "(withheld: the server's text shares characters with a credential the request carried)"

// maxDecodeRounds bounds how often nested encodings are undone (%25 of %, &amp; of &, …).
const maxDecodeRounds = 4

// secretGuard decides whether text a server returned about a request that carried secrets may be
// shown. It is an allowlist: text is shown only when none of its views shares a run of minSharedRun
// characters with any form of any secret. The views of a text are the text itself and the text with
// percent escapes, backslash escapes (JSON's \u and surrogate pairs, \x, \n, and a stray backslash before
// any character) and HTML entities undone, repeatedly; each of them case-folded, and each also reduced
// to its letters and digits (so separators, control characters and stray escapes inserted into a
// secret do not hide it). The forms of a secret are the secret, its letters and digits, and its hex and
// base64 encodings.
type secretGuard struct {
	runs  map[[minSharedRun]rune]struct{} // every run of minSharedRun characters of every form
	short [][]rune                        // forms shorter than minSharedRun: a view containing one fails
}

// newSecretGuard returns the guard of secrets; empty ones are ignored. A guard of no secrets passes
// every text.
func newSecretGuard(secrets ...string) *secretGuard {
	g := &secretGuard{runs: make(map[[minSharedRun]rune]struct{})}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		b := []byte(s)
		forms := []string{s, hex.EncodeToString(b)}
		for i := range min(3, len(b)) { // base64 at each of its three alignments
			forms = append(forms, base64.RawStdEncoding.EncodeToString(b[i:]), base64.RawURLEncoding.EncodeToString(b[i:]))
		}
		for _, f := range forms {
			folded := foldRunes(f)
			g.add(folded)
			g.add(skeleton(folded))
		}
	}
	return g
}

// add records the runs of one form of a secret.
func (g *secretGuard) add(form []rune) {
	if len(form) == 0 {
		return
	}
	if len(form) < minSharedRun {
		g.short = append(g.short, form)
		return
	}
	for i := 0; i+minSharedRun <= len(form); i++ {
		g.runs[[minSharedRun]rune(form[i:])] = struct{}{}
	}
}

// empty reports whether g guards no secret.
func (g *secretGuard) empty() bool { return g == nil || (len(g.runs) == 0 && len(g.short) == 0) }

// clean reports whether text provably holds no part of a secret: no view of it shares a run of
// minSharedRun characters with a form of a secret.
func (g *secretGuard) clean(text string) bool {
	if g.empty() || text == "" {
		return true
	}
	raw := foldRunes(text)
	if g.matches(raw) || g.matches(skeleton(raw)) {
		return false
	}
	dec := decodeAll(text)
	if dec == text { // nothing to undo (most text): the decoded views are the raw ones
		return true
	}
	folded := foldRunes(dec)
	return !g.matches(folded) && !g.matches(skeleton(folded))
}

// header returns h when its names and values are clean, alone and together; else a copy of h in which
// each value that is not clean is withheldText (and a name that is not clean is left out), or, when
// what is left still holds a secret split across values, every value is withheldText.
func (g *secretGuard) header(h http.Header) http.Header {
	if g.empty() || g.cleanAll(headerTexts(h)...) {
		return h
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		if !g.clean(k) {
			continue
		}
		out[k] = make([]string, len(vs))
		for i, v := range vs {
			out[k][i] = v
			if !g.clean(v) {
				out[k][i] = withheldText
			}
		}
	}
	if !g.cleanAll(headerTexts(out)...) {
		for _, vs := range out {
			for i := range vs {
				vs[i] = withheldText
			}
		}
	}
	return out
}

// headerTexts returns the names and values of h.
func headerTexts(h http.Header) []string {
	all := make([]string, 0, 2*len(h))
	for k, vs := range h {
		all = append(all, k)
		all = append(all, vs...)
	}
	return all
}

// cleanOfRuns is clean without the check for whole secrets shorter than minSharedRun: for text that is
// mostly the client's own words (a transport error), in which a secret of a few characters cannot be
// told from them ("t" is in "connect").
func (g *secretGuard) cleanOfRuns(text string) bool {
	if g.empty() || len(g.runs) == 0 {
		return true
	}
	return (&secretGuard{runs: g.runs}).clean(text)
}

// cleanAll reports whether every text is clean, and so is their concatenation (a secret split across
// two messages, or a message and a header, is caught there).
func (g *secretGuard) cleanAll(texts ...string) bool {
	if g.empty() {
		return true
	}
	for _, t := range texts {
		if !g.clean(t) {
			return false
		}
	}
	return g.clean(strings.Join(texts, ""))
}

// matches reports whether view contains a run of a secret's form, or a whole short form.
func (g *secretGuard) matches(view []rune) bool {
	for i := 0; i+minSharedRun <= len(view); i++ {
		if _, ok := g.runs[[minSharedRun]rune(view[i:])]; ok {
			return true
		}
	}
	for _, s := range g.short {
		if containsRunes(view, s) {
			return true
		}
	}
	return false
}

// containsRunes reports whether s occurs in view.
func containsRunes(view, s []rune) bool {
outer:
	for i := 0; i+len(s) <= len(view); i++ {
		for j, r := range s {
			if view[i+j] != r {
				continue outer
			}
		}
		return true
	}
	return false
}

// foldRunes returns s case-folded, rune by rune: lower case of upper case (so K, the Kelvin sign and k
// are one, as are S, ſ and s), and fullwidth ASCII as ASCII.
func foldRunes(s string) []rune {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E { // fullwidth forms of ! to ~
			r -= 0xFEE0
		}
		out = append(out, unicode.ToLower(unicode.ToUpper(r)))
	}
	return out
}

// skeleton returns the letters and digits of rs.
func skeleton(rs []rune) []rune {
	out := make([]rune, 0, len(rs))
	for _, r := range rs {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, r)
		}
	}
	return out
}

// decodeAll undoes percent escapes, backslash escapes and HTML entities in s, again and again until
// nothing changes (at most maxDecodeRounds times).
func decodeAll(s string) string {
	for range maxDecodeRounds {
		next := html.UnescapeString(decodeBackslashes(decodePercent(s)))
		if next == s {
			break
		}
		s = next
	}
	return s
}

// decodePercent replaces every %XX by the byte it stands for.
func decodePercent(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// decodeBackslashes undoes backslash escapes: \uXXXX (and surrogate pairs), \xHH, the one-letter
// escapes of JSON and C, and a backslash before any other character, which is dropped.
func decodeBackslashes(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		c := s[i+1]
		switch c {
		case 'u', 'U':
			if r1, ok := hexRune(s[i+2:], 4); ok {
				n := 6
				if utf16.IsSurrogate(r1) && len(s) >= i+12 && s[i+6] == '\\' && s[i+7] == 'u' {
					if r2, ok := hexRune(s[i+8:], 4); ok {
						if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
							r1, n = r, 12
						}
					}
				}
				b.WriteRune(r1)
				i += n - 1
				continue
			}
		case 'x', 'X':
			if r, ok := hexRune(s[i+2:], 2); ok {
				b.WriteByte(byte(r))
				i += 3
				continue
			}
		}
		switch c {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default:
			// \b, \f, \/, \", \\ and a stray backslash: the character after it is kept as it is, so a
			// backslash cannot turn the first character of a secret into something else.
			b.WriteByte(c)
		}
		i++
	}
	return b.String()
}

// hexRune parses n hex digits at the start of s.
func hexRune(s string, n int) (rune, bool) {
	if len(s) < n {
		return 0, false
	}
	v, err := strconv.ParseUint(s[:n], 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(v), true
}
