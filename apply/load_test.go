package apply_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsync-dev/warehousesync/apply"
)

// secret is what the files of these tests hide; no error may show any part of it.
const secret = "Sup3rS3cret"

// assertNoSecret fails when text holds secret or a 5-character piece of it, in any case.
func assertNoSecret(t *testing.T, text, shape string) {
	t.Helper()
	low, s := strings.ToLower(text), strings.ToLower(secret)
	for i := 0; i+5 <= len(s); i++ {
		if !assert.NotContains(t, low, s[i:i+5], "shape %q printed a piece of the secret:\n%s", shape, text) {
			return
		}
	}
}

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

// conn is a Snowflake connection whose password line is password.
func conn(password string) string {
	return "connections:\n  - id: sf\n    name: SF\n    state: active\n    service_provider: Snowflake\n    config:\n      user: u\n" +
		"      " + password + "\n"
}

// TestYAMLErrorsNeverQuoteTheFile: a YAML error names the file, the line (and the column when the
// parser knows it) and the kind of problem, and never any part of the file's values, whatever the
// shape of the mistake.
func TestYAMLErrorsNeverQuoteTheFile(t *testing.T) {
	t.Parallel()
	shapes := map[string]string{
		"unknown anchor":             conn("password: *" + secret),
		"anchor in a key":            conn("? *" + secret + "\n      : x"),
		"int tag":                    conn("password: !!int " + secret),
		"float tag":                  conn("password: !!float " + secret),
		"bool tag":                   conn("password: !!bool " + secret),
		"timestamp tag":              conn("password: !!timestamp " + secret),
		"binary tag":                 conn("password: !!binary " + secret),
		"local tag":                  conn("password: !" + secret + " x"),
		"verbatim tag":               conn("password: !<tag:" + secret + "> x"),
		"undefined tag handle":       conn("password: !" + secret + "!x y"),
		"unclosed double quote":      conn(`password: "` + secret),
		"unclosed single quote":      conn(`password: '` + secret),
		"unknown escape":             conn(`password: "\q` + secret + `"`),
		"bad unicode escape":         conn(`password: "\u` + secret + `"`),
		"colon in a plain value":     conn("password: " + secret + ": x"),
		"unclosed flow list":         conn("password: [" + secret),
		"unclosed flow mapping":      conn("password: {" + secret),
		"reserved indicator @":       conn("password: @" + secret),
		"reserved indicator `":       conn("password: `" + secret),
		"tab indentation":            conn("password:\n\t" + secret),
		"list under a scalar":        conn("password: " + secret + "\n        - x"),
		"bad indentation":            conn("password: " + secret + "\n     user: x"),
		"second document":            conn("password: ${P}") + "---\n" + secret + "\n",
		"directive":                  "%" + secret + " x\n---\n" + conn("password: ${P}"),
		"control character":          conn("password: \x01" + secret),
		"invalid utf-8":              conn("password: \xff" + secret),
		"NUL":                        conn("password: " + secret + "\x00"),
		"list where a string goes":   conn("password: [" + secret + "]"),
		"mapping where a string goe": conn("password: {" + secret + ": 1}"),
		"number where a mapping":     "pipelines:\n  - id: p\n    schedule: " + strings.Repeat("9", 3) + secret + "\n",
		"infinite float":             conn("password: ${P}\n      port: !!float .inf"),
		"timestamp field":            "pipelines:\n  - id: p\n    sync_mode: {type: full, from: " + secret + "}\n",
		"delay field":                "pipelines:\n  - id: p\n    schedule: {type: interval, delay: " + secret + "}\n",
		"integer field":              "pipelines:\n  - id: p\n    data_plan_version: " + secret + "\n",
		"truncated JSON":             `{"connections": [{"id": "sf", "config": {"password": "` + secret,
		"JSON with a trailing comma": `{"connections": [{"id": "sf", "config": {"password": "` + secret + `",}}]}`,
		"merge of a scalar":          conn("<<: " + secret),
		"top level scalar":           secret + "\n",
		"top level list":             "- " + secret + "\n",
		"unknown top key":            "connections: []\nx: " + secret + "\n",
		"entry that is a scalar":     "pipelines:\n  - " + secret + "\n",
		"duplicate key":              conn("password: " + secret + "\n      password: ${P}"),
		"literal secret":             conn("password: " + secret),
		"literal secret, quoted":     conn(`password: "x` + secret + `"`),
		"literal next to reference":  conn("password: ${P}" + secret),
		"alias bomb":                 "a: &a [" + strings.Repeat("x,", 20) + secret + "]\nb: &b [" + strings.Repeat("*a,", 50) + "*a]\nc: &c [" + strings.Repeat("*b,", 50) + "*b]\nd: [" + strings.Repeat("*c,", 50) + "*c]\n",
		"deep nesting":               strings.Repeat("[", 100) + secret + strings.Repeat("]", 100),
	}
	position := regexp.MustCompile(`^f\.yaml:[0-9]+(:[0-9]+)?: `)
	for shape, text := range shapes {
		_, err := apply.Load(fstest.MapFS{"f.yaml": {Data: []byte(text)}}, env(map[string]string{"P": "x"}))
		require.Error(t, err, shape)
		assertNoSecret(t, err.Error(), shape)
		for _, line := range strings.Split(err.Error(), "\n") {
			if line == "" || strings.HasPrefix(line, "… and") {
				continue
			}
			assert.Regexp(t, position, line, "shape %q: every error starts with file:line", shape)
		}
		var e *apply.Error
		assert.True(t, errors.As(err, &e), "shape %q: %T", shape, err)
	}
}

// TestYAMLErrorsNamePositionAndProblem: the two mistakes of the report, with the position and the
// problem they print.
func TestYAMLErrorsNamePositionAndProblem(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]string{
		conn("password: *" + secret):      "f.yaml:8:17: an alias (*name) that refers to no anchor (&name) before it",
		conn("password: !!int " + secret): "f.yaml:8:17: connections[0].config.password: is tagged !!int but is not an integer",
		conn("password: \"" + secret):     "f.yaml:8: the file ends inside a value (an unclosed quote?)",
		conn("password: \x01" + secret):   "f.yaml:8:17: a control character",
		"pipelines:\n  - id: p\n\tx: 1\n": "f.yaml:2: a tab used for indentation",
	} {
		_, err := apply.Load(fstest.MapFS{"f.yaml": {Data: []byte(text)}}, nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), want)
	}
}

// TestLoadReportsEveryProblemAtOnce: every unknown field of every resource and every file, each with
// its position.
func TestLoadReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"a.yaml": {Data: []byte("pipelines:\n  - id: p\n    sql_querry: x\n    schedule: {type: interval, frequncy: daily}\n")},
		"b.yaml": {Data: []byte("data_models:\n  - id: m\n    nmae: M\n")},
	}
	_, err := apply.Load(fsys, nil)
	require.Error(t, err)
	assert.Equal(t, "a.yaml:4:32: pipeline p: schedule.frequncy: unknown field\n"+
		"a.yaml:3:5: pipeline p: sql_querry: unknown field\n"+
		"b.yaml:3:5: data_model m: nmae: unknown field", err.Error())
}

// TestLoadSkipsWhatIsNotAnApplyFile: only *.yaml, *.yml and *.json at the top, not schemas.
func TestLoadSkipsWhatIsNotAnApplyFile(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"a.yml":             {Data: []byte("data_models:\n  - {id: m, name: M, state: active, type: sql, config: {sql_query: SELECT 1}}\n")},
		"b.json":            {Data: []byte(`{"data_models": [{"id": "n", "name": "N", "state": "active", "type": "sql", "config": {"sql_query": "SELECT 1"}}]}`)},
		"wsync.schema.json": {Data: []byte(`{"$schema": "x"}`)},
		"notes.txt":         {Data: []byte("x")},
		"sub/c.yaml":        {Data: []byte("x: [")},
	}
	d, err := apply.Load(fsys, nil)
	require.NoError(t, err)
	require.Len(t, d.DataModels, 2)
	assert.Equal(t, "a.yml", d.Sources[apply.Ref{Kind: apply.KindDataModel, ID: "m"}])
}

// TestFIFOIsRefused: a FIFO named *.yaml, in a directory or named itself, is refused without being
// opened (opening one waits for a writer forever).
func TestFIFOIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("pipelines: []\n"), 0o644))
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644))
	l := &apply.Loader{}
	err := l.Add(&apply.Desired{}, os.DirFS(dir), ".", dir)
	require.Error(t, err)
	assert.Equal(t, filepath.Join(dir, "pipe.yaml")+": is not a regular file (a FIFO, device, socket or directory is not read)", err.Error())
	err = l.Add(&apply.Desired{}, os.DirFS(dir), "pipe.yaml", dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a regular file")
}

// TestEmptyVariableIsAnError: SNOWFLAKE_PASSWORD= would read as "not declared", so a rotation would
// silently do nothing and a new connection would fail halfway through an apply.
func TestEmptyVariableIsAnError(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{"f.yaml": {Data: []byte(conn("password: ${SNOWFLAKE_PASSWORD}"))}}
	_, err := apply.Load(fsys, env(map[string]string{"SNOWFLAKE_PASSWORD": ""}))
	require.Error(t, err)
	assert.Equal(t, "f.yaml:8:7: connection sf: config.password: environment variable SNOWFLAKE_PASSWORD is set but empty", err.Error())
	_, err = apply.Load(fsys, env(nil))
	assert.EqualError(t, err, "f.yaml:8:7: connection sf: config.password: environment variable SNOWFLAKE_PASSWORD is not set")
	d, err := apply.Load(fsys, env(map[string]string{"SNOWFLAKE_PASSWORD": "x"}))
	require.NoError(t, err)
	assert.Len(t, d.Connections, 1)
}

// TestPruneScopeInAFile: prune_scope is read from the files, joined over all of them.
func TestPruneScopeInAFile(t *testing.T) {
	t.Parallel()
	d, err := apply.Load(fstest.MapFS{
		"a.yaml": {Data: []byte("prune_scope: {id_prefixes: [team-a-]}\n")},
		"b.yaml": {Data: []byte("prune_scope:\n  id_prefixes: [team-b-, team-a-]\n")},
	}, nil)
	require.NoError(t, err)
	assert.Equal(t, apply.Scope{IDPrefixes: []string{"team-a-", "team-b-"}}, d.Scope)
	_, err = apply.Load(fstest.MapFS{"a.yaml": {Data: []byte("prune_scope: {id_prefix: x}\n")}}, nil)
	assert.EqualError(t, err, "a.yaml:1:15: prune_scope.id_prefix: unknown field")
}

// TestLoaderKeepsTheFieldsDeclaredEmpty: null and "" declare a field empty (it is cleared); a secret
// written empty is unchanged, not cleared.
func TestLoaderKeepsTheFieldsDeclaredEmpty(t *testing.T) {
	t.Parallel()
	d, err := apply.Load(fstest.MapFS{"f.yaml": {Data: []byte(conn("password: \"\"\n      aws_external_id: null") +
		"pipelines:\n  - id: p\n    data_plan_id: null\n    partner_feed_key: \"\"\n    schedule: {type: on_demand, end: ~}\n")}}, nil)
	require.NoError(t, err)
	assert.Equal(t, map[apply.Ref][]string{
		{Kind: apply.KindConnection, ID: "sf"}: {"config.aws_external_id"},
		{Kind: apply.KindPipeline, ID: "p"}:    {"data_plan_id", "partner_feed_key", "schedule.end"},
	}, d.Cleared)
}

// TestLoadBudgetRefusesBeforeParsing: a 10 MiB file of tiny values made the parser build five million
// nodes (1.2 GiB peak, 10 s); it is now refused by counting its separators first.
func TestLoadBudgetRefusesBeforeParsing(t *testing.T) {
	raw := []byte("x: [" + strings.Repeat("1,", 5<<20-4) + "1]\n")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := apply.Load(fstest.MapFS{"f.yaml": {Data: raw}}, nil)
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	assert.Equal(t, "f.yaml:1: holds more than 100000 lines, commas and brackets; split it into several files", err.Error())
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d MiB", allocated>>20)
	assert.Less(t, allocated, uint64(64<<20), "refused before the parser builds its nodes")
}
