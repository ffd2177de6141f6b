package apply_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/wsync-dev/warehousesync/apply"
)

// FuzzLoadErrorsShowNoValue: whatever surrounds a secret written as a value (tags, anchors, aliases,
// quotes, escapes, bad bytes), the loader's errors never show a piece of it. Characters that would turn
// the value into a key or a variable name (which errors name by design) are left out of the input.
func FuzzLoadErrorsShowNoValue(f *testing.F) {
	for _, seed := range [][2]string{
		{"*", ""}, {"!!int ", ""}, {"!!float ", ""}, {"!", " x"}, {"&a x\n      user: *", ""}, {`"`, ""}, {`'`, ""},
		{`"\q`, `"`}, {`"\u`, `"`}, {"@", ""}, {"`", ""}, {"\t", ""}, {"\x01", ""}, {"\xff", ""}, {"!<tag:", "> x"},
		{"!!binary ", ""}, {"!!timestamp ", ""}, {"|\n        ", ""}, {">-\n        ", "\n  x"}, {"%", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if strings.ContainsRune(":?{}[],#$\n\r-", r) {
				return -1
			}
			return r
		}, s)
	}
	f.Fuzz(func(t *testing.T, before, after string) {
		// The line breaks the seeds use for block scalars come back after cleaning.
		before = strings.ReplaceAll(clean(strings.ReplaceAll(before, "\n", "\x00NL")), "\x00NL", "\n        ")
		text := conn("password: "+before+secret+clean(after)) + "pipelines:\n  - id: p\n    sync_mode: {from: " + clean(before) + secret + "}\n"
		_, err := apply.Load(fstest.MapFS{"f.yaml": {Data: []byte(text)}}, nil)
		if err == nil {
			return
		}
		if low := strings.ToLower(err.Error()); strings.Contains(low, "s3cret") || strings.Contains(low, "sup3r") {
			t.Fatalf("the error shows the secret:\n%s\nfile:\n%q", err, text)
		}
	})
}

// FuzzJSONEscapes: a .json file whose string escapes every character (\uXXXX, a surrogate pair above
// U+FFFF, as JSON encoders do) loads as the same text.
func FuzzJSONEscapes(f *testing.F) {
	for _, s := range []string{"plain", "\U0001F600", "\u202e\U000E0041", `a\b"c`, "\\ud83d\\ude00", "\x00\x1f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.Contains(s, "${") {
			return
		}
		var b strings.Builder
		for _, r := range s {
			if r >= 0x20 && r < 0x7f && r != '"' && r != '\\' {
				b.WriteRune(r)
				continue
			}
			if r > 0xFFFF {
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(&b, `\u%04x\u%04X`, r1, r2)
				continue
			}
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		d, err := apply.Load(fstest.MapFS{"a.json": {Data: []byte(`{"data_models": [{"id": "m", "name": "` + b.String() + `"}]}`)}}, nil)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if d.DataModels[0].Name != s {
			t.Fatalf("%q loaded as %q", s, d.DataModels[0].Name)
		}
	})
}
