package apply_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/apply"
)

// TestErrorsPrintNoTerminalControls: a key, an id, a reference or a file name from outside prints
// escaped in every error, and a very long key is cut, whichever check refused it.
func TestErrorsPrintNoTerminalControls(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k", 1000)
	fsys := fstest.MapFS{
		"a\x1b[2J.yaml": {Data: []byte("data_models:\n  - id: m\n    \"x\\e[2J\\u202e\": 1\n    " + long + ": 1\n" +
			"    config: {\"q\\e]0;t\\a\": 1}\n")},
	}
	_, err := apply.Load(fsys, nil)
	require.Error(t, err)
	msg := err.Error()
	assert.NotContains(t, msg, "\x1b")
	assert.NotContains(t, msg, "\u202e")
	assert.NotContains(t, msg, "\a")
	assert.Contains(t, msg, `a\u001b[2J.yaml:3:5: data_model m: x\u001b[2J\u202e: unknown field`)
	assert.Less(t, len(msg), 1000, "a 1,000-character key is cut")

	// A pipeline's references: an id the API could not hold is refused without being printed.
	p := pipeline("p", "c\x1b[2J\u202e", "m\x1b[2J", ws.FrequencyDaily)
	_, err = apply.Compare(desired(apply.State{Pipelines: []*ws.Pipeline{p}}), &apply.State{}, apply.Options{})
	require.Error(t, err)
	msg = err.Error()
	assert.NotContains(t, msg, "\x1b")
	assert.NotContains(t, msg, "\u202e")
	assert.Contains(t, msg, "pipeline p: connection_id: must be a connection's id")
	assert.Contains(t, msg, "pipeline p: data_model_id: must be a data model's id")

	// An Error built by anyone prints safely.
	e := &apply.Error{File: "f\x1b.yaml", Resource: apply.Ref{Kind: apply.KindPipeline, ID: "p\u202e"},
		Field: "a\x00.b", Rule: "rule\x1b[31m"}
	assert.Equal(t, `f\u001b.yaml: pipeline (invalid id): a\u0000.b: rule\u001b[31m`, e.Error())
}

// tokenConfig is a config type of a Go caller's own, for the Snowflake API: its Token is a secret the
// module does not know about, in a plain string field.
type tokenConfig struct {
	User  string `json:"user"`
	Token string `json:"token"`
}

func (*tokenConfig) ServiceProvider() ws.ServiceProvider { return ws.ProviderSnowflake }

// TestPlanPrintsOnlyDocumentedConfigKeys: a plan prints a config's keys from an allowlist, the
// provider's documented keys that are not secrets; a config type of the caller's own is sensitive,
// whatever its fields are called.
func TestPlanPrintsOnlyDocumentedConfigKeys(t *testing.T) {
	t.Parallel()
	c := &ws.Connection{ID: "c", Name: "C", State: ws.StateActive, Config: &tokenConfig{User: "u", Token: secret}}
	var b strings.Builder
	// Against a stored Snowflake connection: the unknown key is neither a change nor printed.
	stored := snowflake("c", ws.MaskedSecret)
	p, err := apply.Compare(desired(apply.State{Connections: []*ws.Connection{c}}), &apply.State{Connections: []*ws.Connection{stored}}, apply.Options{})
	require.NoError(t, err)
	require.NoError(t, p.Render(&b, apply.RenderOptions{}))
	assertNoSecret(t, b.String(), "an update with a config type of the caller's own")
	assert.Contains(t, b.String(), `~ config.user: "user" → "u"`)
}

// TestPortAsANumber: YAML reads port: 5439 as a number; the API takes the setting as a string, so the
// loader takes the number's text, and the plan converges.
func TestPortAsANumber(t *testing.T) {
	t.Parallel()
	file := "connections:\n  - id: rs\n    name: RS\n    state: active\n    service_provider: Redshift\n    config:\n" +
		"      database: db\n      host: h.example.com\n      port: 5439\n      user: u\n      password: ${P}\n" +
		"      aws_iam_role_arn: arn:aws:iam::1:role/r\n"
	d, err := apply.Load(fstest.MapFS{"f.yaml": {Data: []byte(file)}}, env(map[string]string{"P": "pw"}))
	require.NoError(t, err)
	require.Len(t, d.Connections, 1)
	assert.Equal(t, "5439", d.Connections[0].Config.(*ws.RedshiftConfig).Port)
	_, c := fake(t)
	seed(t, c, d)
	p, err := apply.MakePlan(context.Background(), c, d, apply.Options{})
	require.NoError(t, err)
	assert.False(t, p.HasChanges(), "%v", refs(p))

	// A list is still refused, naming what the field must hold.
	_, err = apply.Load(fstest.MapFS{"f.yaml": {Data: []byte(strings.Replace(file, "port: 5439", "port: [5439]", 1))}}, env(map[string]string{"P": "pw"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "config.port: must be a port number")
}

// TestMergeBombIsBounded: merges of merges of an empty mapping build no value, yet a file of a few
// hundred bytes stands for millions of merges; each merge spends the same budget as a value.
func TestMergeBombIsBounded(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("m0: &m0 {}\n")
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&b, "m%d: &m%d {<<: [%s]}\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*m%d,", i-1), 20), ","))
	}
	_, err := apply.Load(fstest.MapFS{"f.yaml": {Data: []byte(b.String())}}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "expands to more than 100,000 values")
}

// TestInvalidIDFromAVariableIsNotPrinted: an id is printed only when it is one; an id written as
// ${NAME} that expands to anything else (a secret, by mistake) is named by its place in the list.
func TestInvalidIDFromAVariableIsNotPrinted(t *testing.T) {
	t.Parallel()
	file := "data_models:\n  - id: ok\n    name: M\n  - id: ${P}\n    name: M\n    nmae: typo\n" +
		"pipelines:\n  - id: p\n    data_model_id: ${P}\n    connection_id: c\n"
	vars := env(map[string]string{"P": secret + " !"})
	_, err := apply.Load(fstest.MapFS{"f.yaml": {Data: []byte(file)}}, vars)
	require.Error(t, err)
	assertNoSecret(t, err.Error(), "load")
	assert.Contains(t, err.Error(), "f.yaml:6:5: data_model #2: nmae: unknown field")

	d := &apply.Desired{}
	l := &apply.Loader{LookupEnv: vars}
	require.NoError(t, l.Add(d, fstest.MapFS{"f.yaml": {Data: []byte(strings.Replace(file, "    nmae: typo\n", "", 1))}}, "f.yaml", ""))
	err = apply.Validate(d)
	require.Error(t, err)
	assertNoSecret(t, err.Error(), "validate")
	assert.Contains(t, err.Error(), "f.yaml:4:5: data_model #2: id: must be 1 to 128")
	assert.Contains(t, err.Error(), "pipeline p: data_model_id: must be a data model's id")
}

// TestVariablesExpandInLists: ${NAME} expands in a list too (a config of unknown shape may hold one),
// and an unset one in a list is named like any other.
func TestVariablesExpandInLists(t *testing.T) {
	t.Parallel()
	file := "connections:\n  - id: o\n    name: O\n    state: active\n    service_provider: Oracle\n" +
		"    config:\n      hosts: [\"${H1}\", {name: \"${H2}\"}]\n"
	d, err := apply.Load(fstest.MapFS{"f.yaml": {Data: []byte(file)}}, env(map[string]string{"H1": "a.example.com", "H2": "b.example.com"}))
	require.NoError(t, err)
	raw := d.Connections[0].Config.(*ws.RawConfig)
	assert.JSONEq(t, `{"hosts":["a.example.com",{"name":"b.example.com"}]}`, string(raw.JSON))

	_, err = apply.Load(fstest.MapFS{"f.yaml": {Data: []byte(file)}}, env(map[string]string{"H1": "a.example.com"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection o: config.hosts.1.name: environment variable H2 is not set")
}

// TestLoaderBudgetsSpanEveryAdd: MaxFiles and MaxTotalSize bound what one Loader reads over all its
// Add calls (wsync's repeated -f), and a directory's entries are bounded before they are all held.
func TestLoaderBudgetsSpanEveryAdd(t *testing.T) {
	t.Parallel()
	dir := fstest.MapFS{}
	for i := range 600 {
		dir[fmt.Sprintf("f%03d.yaml", i)] = &fstest.MapFile{Data: []byte("data_models: []\n")}
	}
	l := &apply.Loader{}
	d := &apply.Desired{}
	require.NoError(t, l.Add(d, dir, ".", "a"))
	err := l.Add(d, dir, ".", "b")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "b: makes 1200 apply files in all; at most 1000 are read")

	big := fstest.MapFS{}
	comment := "# " + strings.Repeat("x", apply.MaxFileSize-10) + "\n"
	for i := range 4 {
		big[fmt.Sprintf("f%d.yaml", i)] = &fstest.MapFile{Data: []byte(comment)}
	}
	err = (&apply.Loader{}).Add(&apply.Desired{}, big, ".", "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "f3.yaml: makes the files read larger than 32 MiB in all")

	many := fstest.MapFS{"a.yaml": {Data: []byte("data_models: []\n")}}
	for i := range 100_001 {
		many[fmt.Sprintf("n%06d.txt", i)] = &fstest.MapFile{}
	}
	err = (&apply.Loader{}).Add(&apply.Desired{}, many, ".", "dir")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "dir: holds more than 100000 entries")
}

// TestJSONSurrogatePairs: JSON escapes a character above U+FFFF as a UTF-16 surrogate pair, which the
// YAML parser refuses; a .json file that has one loads, and YAML's own text is left as it is.
func TestJSONSurrogatePairs(t *testing.T) {
	t.Parallel()
	d, err := apply.Load(fstest.MapFS{
		"a.json": {Data: []byte(`{"data_models": [{"id": "m", "name": "\ud83d\ude00 \\ud83d\\ude00 \uD83D\uDE00"}]}`)},
		"b.yaml": {Data: []byte("data_models:\n  - id: n\n    name: C:\\ud83d\\ude00\n")},
	}, nil)
	require.NoError(t, err)
	require.Len(t, d.DataModels, 2)
	assert.Equal(t, "\U0001F600 \\ud83d\\ude00 \U0001F600", d.DataModels[0].Name)
	assert.Equal(t, `C:\ud83d\ude00`, d.DataModels[1].Name)
}

// TestPortIsAPortNumber: a port the API could not take (a huge number YAML reads as a float, a sign,
// leading zeros, 0) is refused before any request, naming no value.
func TestPortIsAPortNumber(t *testing.T) {
	t.Parallel()
	file := "connections:\n  - id: rs\n    name: RS\n    state: active\n    service_provider: Redshift\n    config:\n" +
		"      database: db\n      host: h.example.com\n      port: PORT\n      user: u\n      password: ${P}\n" +
		"      aws_iam_role_arn: arn:aws:iam::1:role/r\n"
	for _, port := range []string{"99999999999999999999999", `"05439"`, `"+5439"`, "0", "65536", `"54 39"`} {
		d := &apply.Desired{}
		l := &apply.Loader{LookupEnv: env(map[string]string{"P": "pw"})}
		err := l.Add(d, fstest.MapFS{"f.yaml": {Data: []byte(strings.Replace(file, "PORT", port, 1))}}, "f.yaml", "")
		if err == nil {
			err = apply.Validate(d)
		}
		require.Error(t, err, port)
		assert.Contains(t, err.Error(), "f.yaml:9:7: connection rs: config.port: must be a port number", port)
		assert.NotContains(t, err.Error(), strings.Trim(port, `"`), port)
	}
}

// TestExpansionIsBounded: a file of many references to a large variable expands to at most
// MaxTotalSize bytes in all, then each further one is refused.
func TestExpansionIsBounded(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("data_models:\n")
	for i := range 600 {
		fmt.Fprintf(&b, "  - id: m%d\n    name: ${BIG}\n", i)
	}
	_, err := apply.Load(fstest.MapFS{"f.yaml": {Data: []byte(b.String())}}, env(map[string]string{"BIG": strings.Repeat("x", 64<<10)}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "name: the ${NAME} references of the files expand to more than 32 MiB in all")
}
