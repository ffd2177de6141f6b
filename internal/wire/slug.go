package wire

// MaxIDLength is the longest id (of a workspace, connection, data model, pipeline or field
// transformation) the API accepts.
const MaxIDLength = 128

// SlugProblem says why a string is not a slug.
type SlugProblem int

// The ways a string can fail the slug rule, in the order CheckSlug looks for them.
const (
	SlugOK       SlugProblem = iota // a valid slug
	SlugEmpty                       // the empty string
	SlugTooLong                     // longer than MaxIDLength bytes
	SlugBadChars                    // holds a byte that is not a letter, digit, _ or -
)

// CheckSlug checks s against the slug rule: 1 to MaxIDLength ASCII letters, digits, _ or -.
func CheckSlug(s string) SlugProblem {
	switch {
	case s == "":
		return SlugEmpty
	case len(s) > MaxIDLength:
		return SlugTooLong
	}
	for i := 0; i < len(s); i++ {
		if !slugByte(s[i]) {
			return SlugBadChars
		}
	}
	return SlugOK
}

// ValidSlug reports whether s is a slug.
func ValidSlug(s string) bool { return CheckSlug(s) == SlugOK }

func slugByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}
