package apply_test

import (
	"strings"
	"testing"
	"testing/fstest"

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
