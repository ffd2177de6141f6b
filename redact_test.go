package warehousesync

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRedactSecret(t *testing.T) {
	t.Parallel()
	const s = "TOP-secret"
	for in, want := range map[string]string{
		`no secret here`:                          `no secret here`,
		`a TOP-secret b`:                          `a ` + MaskedSecret + ` b`,
		`{"e":"\u0054OP-secret"}`:                 `{"e":"` + MaskedSecret + `"}`,
		`{"e":"\u0054\u004f\u0050\u002dsecret!"}`: `{"e":"` + MaskedSecret + `!"}`,
		`{"e":"TOP\/secret"}`:                     `{"e":"TOP\/secret"}`, // "TOP/secret" is not the secret
		`\\u0054OP-secret`:                        `\` + MaskedSecret,    // a raw reader sees it after the backslash
		`TOP-secretTOP-secret`:                    MaskedSecret + MaskedSecret,
	} {
		assert.Equal(t, want, string(redactSecret([]byte(in), s)), "%s", in)
	}
	// A cut that leaves the start of the secret drops that start, literal or escaped.
	assert.Equal(t, "abc ", string(cutRedacted([]byte("abc TOP-secret"), 7, s)))
	assert.Equal(t, "abc ", string(cutRedacted([]byte(`abc \u0054OP-secret`), 12, s)))
	assert.Equal(t, "abc TOX", string(cutRedacted([]byte("abc TOXXXXXXXXX"), 7, s)))
}
