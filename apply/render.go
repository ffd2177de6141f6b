package apply

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// RenderOptions change how Render prints a plan.
type RenderOptions struct {
	// Workspace names the workspace in the heading.
	Workspace string
	// Colour wraps the symbols in ANSI colours (green +, yellow ~, red -), for a terminal.
	Colour bool
	// MaxValue bounds a value as printed, in characters (DefaultMaxValue when 0): a longer one is cut
	// and its size given.
	MaxValue int
}

// DefaultMaxValue is how many characters of a value a plan prints unless RenderOptions.MaxValue says
// otherwise.
const DefaultMaxValue = 200

// Render writes p as wsync plan prints it, like terraform plan: one block per change, the fields of a
// create or the differences of an update, secrets as (sensitive), and a summary. Values are printed as
// JSON text, with control and bidirectional characters escaped (so a name cannot rewrite the line it is
// on) and long values cut, with their size.
func (p *Plan) Render(w io.Writer, opts RenderOptions) error {
	r := renderer{opts: opts}
	if opts.MaxValue <= 0 {
		r.opts.MaxValue = DefaultMaxValue
	}
	var b strings.Builder
	if !p.HasChanges() {
		fmt.Fprintf(&b, "No changes: workspace %s matches the files (%d resources).\n", safeText(opts.Workspace), len(p.Unchanged))
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "Plan for workspace %s:\n", safeText(opts.Workspace))
	for _, ch := range p.Changes {
		b.WriteString("\n")
		head := fmt.Sprintf("%s %s", r.Symbol(ch.Action), r.colour(bold, safeText(ch.Ref.String())))
		if ch.Source != "" {
			head += "  (" + safeText(ch.Source) + ")"
		}
		if ch.Reason != "" {
			head += "  (" + safeText(ch.Reason) + ")"
		}
		b.WriteString("  " + head + "\n")
		for _, fd := range ch.Fields {
			path := safeText(fd.Path)
			switch {
			case fd.Path == "id":
			case fd.Cleared:
				fmt.Fprintf(&b, "      %s %s = %s (cleared)\n", r.colour(red, "-"), path, r.value(fd.Old))
			case fd.Sensitive && ch.Action == ActionCreate:
				fmt.Fprintf(&b, "      %s %s = (sensitive)\n", r.colour(green, "+"), path)
			case fd.Sensitive:
				fmt.Fprintf(&b, "      %s %s = (sensitive) will be sent\n", r.colour(yellow, "~"), path)
			case ch.Action == ActionCreate, fd.Old == "":
				fmt.Fprintf(&b, "      %s %s = %s\n", r.colour(green, "+"), path, r.value(fd.New))
			default:
				fmt.Fprintf(&b, "      %s %s: %s → %s\n", r.colour(yellow, "~"), path, r.value(fd.Old), r.value(fd.New))
			}
		}
	}
	fmt.Fprintf(&b, "\nPlan: %d to create, %d to update, %d to delete, %d unchanged.\n",
		p.Count(ActionCreate), p.Count(ActionUpdate), p.Count(ActionDelete), len(p.Unchanged))
	_, err := io.WriteString(w, b.String())
	return err
}

// renderer prints the parts of a plan.
type renderer struct{ opts RenderOptions }

// The colours.
const (
	green  = "32"
	yellow = "33"
	red    = "31"
	bold   = "1"
)

func (r renderer) colour(code, s string) string {
	if !r.opts.Colour {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Symbol is the sign of an action as Render prints it: +, ~ or -, coloured when opts.Colour.
func (opts RenderOptions) Symbol(a Action) string { return renderer{opts}.Symbol(a) }

// Symbol is the sign of an action: +, ~ or -.
func (r renderer) Symbol(a Action) string {
	switch a {
	case ActionCreate:
		return r.colour(green, "+")
	case ActionUpdate:
		return r.colour(yellow, "~")
	default:
		return r.colour(red, "-")
	}
}

// value is a value as printed: escaped, and cut with its size when longer than MaxValue characters.
func (r renderer) value(v string) string {
	n := utf8.RuneCountInString(v)
	if n <= r.opts.MaxValue {
		return safeText(v)
	}
	runes := []rune(v)
	return safeText(string(runes[:r.opts.MaxValue])) + fmt.Sprintf("… (%s, %d characters)", size(len(v)), n)
}

// size is a byte count for people: 812 B, 6.0 MB.
func size(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// SafeText returns s with every character that could change how a terminal shows the text around it
// escaped, as Render prints values: for text a server sends (names, error messages).
func SafeText(s string) string { return safeText(s) }

// safeText escapes, as \uXXXX, every character of s that could change how a terminal shows the text
// around it: control characters (C0, DEL, C1), bidirectional and other format characters (U+202E
// reverses a line), line and paragraph separators, and invalid UTF-8.
func safeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsControl(c) || unicode.Is(unicode.Cf, c) || c == '\u2028' || c == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteRune(c)
		}
		i += n
	}
	return b.String()
}
