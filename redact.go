package warehousesync

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// redactSecret returns b with every occurrence of secret replaced by MaskedSecret: the literal bytes,
// and the secret written with JSON escapes (`\u0074op`, `\/`, surrogate pairs), in whole or in part.
// b is not modified.
func redactSecret(b []byte, secret string) []byte {
	// Twice: once reading \\ as an escaped backslash, as JSON does, and once as a backslash that
	// may start the escape that follows, as a reader of the raw text might.
	return redactView(redactView(b, secret, true), secret, false)
}

// redactView is one pass of redactSecret; pairs says whether \\ is read as one escape.
func redactView(b []byte, secret string, pairs bool) []byte {
	if secret == "" || len(b) == 0 {
		return b
	}
	dec, from := decodedView(b, pairs)
	if !bytes.Contains(dec, []byte(secret)) {
		return b
	}
	out := make([]byte, 0, len(b))
	next := 0 // the first byte of b not yet copied
	for d := 0; ; {
		k := bytes.Index(dec[d:], []byte(secret))
		if k < 0 {
			break
		}
		start, end := from[d+k], from[d+k+len(secret)]
		out = append(out, b[next:start]...)
		out = append(out, MaskedSecret...)
		next = end
		d += k + len(secret)
	}
	return append(out, b[next:]...)
}

// decodedView returns b with every JSON escape replaced by what it stands for, and for every byte of
// that view the offset in b where it starts (plus len(b) at the end). pairs says whether \\ is read
// as an escaped backslash; otherwise a backslash before another escape is kept as it is.
func decodedView(b []byte, pairs bool) (dec []byte, from []int) {
	dec = make([]byte, 0, len(b))
	from = make([]int, 0, len(b)+1)
	for i := 0; i < len(b); {
		r, n := decodeEscape(b[i:])
		if !pairs && r == '\\' {
			n = 0
		}
		if n == 0 {
			dec = append(dec, b[i])
			from = append(from, i)
			i++
			continue
		}
		start := len(dec)
		dec = utf8.AppendRune(dec, r)
		for range len(dec) - start {
			from = append(from, i)
		}
		i += n
	}
	return dec, append(from, len(b))
}

// decodeEscape decodes the JSON escape sequence at the start of b and returns the rune and the length
// of the sequence; n is 0 when b does not start with a complete escape.
func decodeEscape(b []byte) (r rune, n int) {
	if len(b) < 2 || b[0] != '\\' {
		return 0, 0
	}
	switch b[1] {
	case '"', '\\', '/':
		return rune(b[1]), 2
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		r1, ok := hex4(b[2:])
		if !ok {
			return 0, 0
		}
		if utf16.IsSurrogate(r1) && len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
			if r2, ok := hex4(b[8:]); ok {
				if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
					return r, 12
				}
			}
		}
		return r1, 6
	}
	return 0, 0
}

// hex4 parses the four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[:4]), 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(v), true
}

// cutRedacted cuts b, already redacted, to at most limit bytes. A cut that leaves the start of the
// secret (literal or JSON-escaped) at the end of b drops that start too, so no part of the secret
// survives the cut.
func cutRedacted(b []byte, limit int, secret string) []byte {
	if len(b) <= limit {
		return b
	}
	b = b[:limit]
	if secret == "" {
		return b
	}
	// An escaped start of the secret takes at most 12 bytes per byte of the secret.
	tail := max(0, len(b)-12*len(secret))
	for _, pairs := range []bool{true, false} {
		dec, from := decodedView(b[tail:], pairs)
		for k := min(len(secret)-1, len(dec)); k > 0; k-- {
			if bytes.HasSuffix(dec, []byte(secret[:k])) {
				b = b[:tail+from[len(dec)-k]]
				break
			}
		}
	}
	return b
}
