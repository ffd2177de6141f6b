package warehousesync_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// moduleFiles returns the module's files that keep selects (by path and name), by path, outside hidden
// folders and testdata.
func moduleFiles(t *testing.T, keep func(path, name string) bool) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata"):
			return filepath.SkipDir
		case d.IsDir() || !keep(path, d.Name()):
			return nil
		}
		b, err := os.ReadFile(path)
		files[filepath.ToSlash(path)] = string(b)
		return err
	})
	require.NoError(t, err)
	return files
}

// documentation returns the module's Markdown files and package doc.go files, by path.
func documentation(t *testing.T) map[string]string {
	t.Helper()
	docs := moduleFiles(t, func(path, name string) bool { return strings.HasSuffix(path, ".md") || name == "doc.go" })
	require.Contains(t, docs, "README.md")
	require.Contains(t, docs, "docs/fidelity.md")
	return docs
}

// TestDocumentationSpeaksOfTheModuleOnly checks that no document points to a file outside the module
// or speaks of the project's tickets instead of the project.
func TestDocumentationSpeaksOfTheModuleOnly(t *testing.T) {
	t.Parallel()
	outside := regexp.MustCompile(`\.\./` + `shared|/` + `work/|\bapi-behaviour\.md|warehouse-sync-api-reference\.txt`)
	tickets := regexp.MustCompile(`(?i)\bissues? #?[0-9]+|\bthe issue's\b`)
	for path, text := range documentation(t) {
		assert.Emptyf(t, outside.FindAllString(text, -1), "%s points outside the module", path)
		assert.Emptyf(t, tickets.FindAllString(text, -1), "%s speaks of tickets", path)
	}
	// Comments in Go files, tests included, speak to the same readers.
	goFiles := moduleFiles(t, func(path, _ string) bool { return strings.HasSuffix(path, ".go") })
	require.Contains(t, goFiles, "docs_test.go")
	for path, text := range goFiles {
		assert.Emptyf(t, outside.FindAllString(text, -1), "%s points outside the module", path)
		assert.Emptyf(t, tickets.FindAllString(text, -1), "%s speaks of tickets", path)
	}
}

// TestTheFidelityTableIsKeptOnce checks that the behaviours are listed in docs/fidelity.md only: the
// package documentation links there instead of tagging behaviours itself, and the README does not
// repeat docs/fake.md.
func TestTheFidelityTableIsKeptOnce(t *testing.T) {
	t.Parallel()
	docs := documentation(t)
	tag := regexp.MustCompile(`\[(doc|choice|v1|doc/choice)\]`)
	for path, text := range docs {
		if strings.HasSuffix(path, "doc.go") {
			assert.Emptyf(t, tag.FindAllString(text, -1), "%s tags behaviours; they belong in docs/fidelity.md", path)
		}
	}
	assert.Contains(t, docs["warehousesynctest/doc.go"], "docs/fidelity.md")
	assert.Contains(t, docs["docs/fidelity.md"], "(scheduler.md)")
	assert.Contains(t, docs, "docs/scheduler.md")

	shared := longestSharedRun(docs["README.md"], docs["docs/fake.md"])
	assert.Lessf(t, len(shared), 6, "README.md repeats docs/fake.md:\n%s", strings.Join(shared, "\n"))
}

// longestSharedRun returns the longest run of consecutive lines that a and b both hold, blank lines and
// lines of punctuation only left out.
func longestSharedRun(a, b string) []string {
	meaningful := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimSpace(l); strings.ContainsAny(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
				out = append(out, l)
			}
		}
		return out
	}
	la, lb := meaningful(a), meaningful(b)
	prev := make([]int, len(lb)+1)
	best, end := 0, 0
	for i := 1; i <= len(la); i++ {
		cur := make([]int, len(lb)+1)
		for j := 1; j <= len(lb); j++ {
			if la[i-1] == lb[j-1] {
				cur[j] = prev[j-1] + 1
				if cur[j] > best {
					best, end = cur[j], i
				}
			}
		}
		prev = cur
	}
	return la[end-best : end]
}

// TestTheModuleHasALicence checks the licence pkg.go.dev needs to show the documentation, and that the
// README names it.
func TestTheModuleHasALicence(t *testing.T) {
	t.Parallel()
	licence, err := os.ReadFile("LICENSE")
	require.NoError(t, err)
	assert.Contains(t, string(licence), "Apache License\n                           Version 2.0, January 2004")
	assert.Contains(t, string(licence), "END OF TERMS AND CONDITIONS")
	assert.Contains(t, documentation(t)["README.md"], "Apache License 2.0: see [LICENSE](LICENSE)")
}

// fenceLine matches a line that CommonMark may read as a code fence: up to three spaces, three or more
// backticks or tildes, and the rest of the line.
var fenceLine = regexp.MustCompile("^( {0,3})(`{3,}|~{3,})(.*)$")

// fenceLanguage matches the info string of an opening fence that names a language.
var fenceLanguage = regexp.MustCompile(`^[a-z0-9+-]+$`)

// fenceProblems checks the code fences of a Markdown text by CommonMark's rules: a closing fence is the
// opening fence's character, at least as many of them, and nothing after them but spaces; a line that
// starts like a fence inside a block but has text after it is code, not the end of the block. It
// returns every line where the text says something CommonMark does not read that way: such a line, an
// opening fence whose info string is not a language (what was meant to close a block opened one), and a
// block left open.
func fenceProblems(text string) []string {
	var problems []string
	open, openLine := "", 0
	for i, line := range strings.Split(text, "\n") {
		m := fenceLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		fence, rest := m[2], strings.TrimRight(m[3], " \t")
		if open == "" {
			info := strings.TrimSpace(rest)
			if fence[0] == '`' && strings.Contains(info, "`") {
				continue // inline code, not a fence
			}
			if info != "" && !fenceLanguage.MatchString(info) {
				problems = append(problems, fmt.Sprintf("line %d: %q opens a code block whose info string is not a language", i+1, line))
			}
			open, openLine = fence, i+1
			continue
		}
		if fence[0] == open[0] && len(fence) >= len(open) {
			if rest == "" {
				open = ""
			} else {
				problems = append(problems, fmt.Sprintf("line %d: %q has text after the fence, so it does not close the block opened on line %d", i+1, line, openLine))
			}
		}
	}
	if open != "" {
		problems = append(problems, fmt.Sprintf("the code block opened on line %d is never closed", openLine))
	}
	return problems
}

// TestReadmeFencesPairUp: a closing fence with text after it ("``` IDs are checked…") is no fence in
// CommonMark, and everything after it rendered as code.
func TestReadmeFencesPairUp(t *testing.T) {
	t.Parallel()
	docs := documentation(t)
	assert.Empty(t, fenceProblems(docs["README.md"]), "README.md")
	for in, want := range map[string]int{
		"```go\nx\n```\n":                      0,
		"```go\nx\n``` text\n\nmore\n":         2, // not closed by the line with text, and never closed
		"```go\nx\n```\n``` IDs are\ny\n```\n": 1, // the line with text opens a block
		"````\n```\n````\n":                    0,
		"~~~\n```\n~~~\n":                      0,
		"```sh\nx\n":                           1,
		"a ```not a fence``` b\n":              0,
	} {
		assert.Len(t, fenceProblems(in), want, "%q: %q", in, fenceProblems(in))
	}
}
