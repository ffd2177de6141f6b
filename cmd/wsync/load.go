package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/apply"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// maxFileSize bounds one apply file.
const maxFileSize = 10 << 20

// maxFiles bounds the files of a directory.
const maxFiles = 1000

// loadOptions change how files are read.
type loadOptions struct {
	// allowLiteral accepts secrets written in the file instead of ${VAR} references.
	allowLiteral bool
}

// fileKinds are the top-level keys of an apply file, with the kind of their resources.
var fileKinds = map[string]apply.Kind{
	"connections": apply.KindConnection,
	"data_models": apply.KindDataModel,
	"pipelines":   apply.KindPipeline,
}

// maxWarnings bounds the warnings about unset variables.
const maxWarnings = 100

// envRef matches one ${NAME} reference.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// load reads the apply files at paths (files, or directories of *.yaml, *.yml and *.json files).
func (a *app) load(paths []string, opts loadOptions) (*apply.Desired, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no file given: use -f FILE or -f DIRECTORY")
	}
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, err
		}
		var found []string
		for _, e := range entries {
			switch filepath.Ext(e.Name()) {
			case ".yaml", ".yml", ".json":
				if !e.IsDir() && !strings.HasSuffix(e.Name(), ".schema.json") {
					found = append(found, filepath.Join(p, e.Name()))
				}
			}
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no .yaml, .yml or .json files", p)
		}
		slices.Sort(found)
		files = append(files, found...)
	}
	if len(files) > maxFiles {
		return nil, fmt.Errorf("%d files given; at most %d", len(files), maxFiles)
	}
	d := &apply.Desired{}
	for _, f := range files {
		s, err := a.loadFile(f, opts)
		if err != nil {
			return nil, err
		}
		d.Merge(s, f)
	}
	return d, nil
}

// loadFile reads one apply file: YAML (or JSON) through the types' json tags, with ${VAR} references
// expanded from the environment in every string.
func (a *app) loadFile(name string, opts loadOptions) (*apply.State, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxFileSize {
		return nil, fmt.Errorf("%s: larger than %d MiB", name, maxFileSize>>20)
	}
	return a.parse(name, raw, opts)
}

// parse decodes the text of an apply file named name.
func (a *app) parse(name string, raw []byte, opts loadOptions) (*apply.State, error) {
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil || top == nil {
		return nil, fmt.Errorf("%s: must be a mapping with connections, data_models and pipelines", name)
	}
	for _, key := range sortedKeys(top) {
		kind, known := fileKinds[key]
		if !known {
			return nil, fmt.Errorf("%s: unknown key %q: the keys are connections, data_models and pipelines", name, key)
		}
		list, isList := top[key].([]any)
		if top[key] != nil && !isList {
			return nil, fmt.Errorf("%s: %s must be a list", name, key)
		}
		for i, item := range list {
			obj, isObj := item.(map[string]any)
			if !isObj {
				return nil, fmt.Errorf("%s: %s[%d] must be a mapping", name, key, i)
			}
			id, _ := obj["id"].(string)
			where := fmt.Sprintf("%s: %s %s", name, kind, orIndex(id, i))
			if kind == apply.KindConnection {
				if err := checkSecrets(where, obj, opts); err != nil {
					return nil, err
				}
			}
			if err := a.expand(where, "", obj); err != nil {
				return nil, err
			}
		}
	}
	expanded, err := json.Marshal(top)
	if err != nil {
		return nil, err
	}
	var s apply.State
	strict := json.NewDecoder(bytes.NewReader(expanded))
	strict.DisallowUnknownFields()
	if err := strict.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := checkUnknown(name, top, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// checkUnknown refuses a field the types do not have (a typo such as "sheduel"), comparing what the
// file says with what the decoded resources encode back to.
func checkUnknown(name string, top map[string]any, s *apply.State) error {
	decoded, err := toMap(s)
	if err != nil {
		return err
	}
	for _, key := range sortedKeys(top) {
		list, _ := top[key].([]any)
		back, _ := decoded[key].([]any)
		for i, item := range list {
			in, _ := item.(map[string]any)
			if i >= len(back) || in == nil {
				continue
			}
			out, _ := back[i].(map[string]any)
			id, _ := in["id"].(string)
			if path := unknownField("", in, out); path != "" {
				return fmt.Errorf("%s: %s %s: %s: unknown field", name, fileKinds[key], orIndex(id, i), path)
			}
		}
	}
	return nil
}

// unknownField returns the first field of in, with a value, that out does not have.
func unknownField(prefix string, in, out map[string]any) string {
	for _, k := range sortedKeys(in) {
		v := in[k]
		if v == nil || v == "" {
			continue
		}
		o, present := out[k]
		if !present {
			return prefix + k
		}
		if sub, isMap := v.(map[string]any); isMap {
			if osub, isMap := o.(map[string]any); isMap {
				if p := unknownField(prefix+k+".", sub, osub); p != "" {
					return p
				}
			}
		}
	}
	return ""
}

func orIndex(id string, i int) string {
	if id == "" {
		return fmt.Sprintf("#%d", i+1)
	}
	return id
}

// checkSecrets refuses a secret written in the file: it must be a ${VAR} reference, or the mask
// (unchanged), unless literals are allowed.
func checkSecrets(where string, conn map[string]any, opts loadOptions) error {
	cfg, _ := conn["config"].(map[string]any)
	for _, k := range wire.ConfigSecretKeys() {
		v, present := cfg[k]
		if !present || opts.allowLiteral {
			continue
		}
		s, isString := v.(string)
		if !isString {
			return fmt.Errorf("%s: config.%s: must be a string", where, k)
		}
		if s == "" || s == ws.MaskedSecret || envRef.FindStringIndex(s) != nil && envRef.ReplaceAllString(s, "") == "" {
			continue
		}
		return fmt.Errorf("%s: config.%s: is a secret written in the file; write ${ENV_VAR} to read it from the environment, %q to keep the stored one, or pass --allow-literal-secrets",
			where, k, ws.MaskedSecret)
	}
	return nil
}

// expand replaces ${NAME} in every string of v from the environment; an unset variable is an error
// naming the field.
func (a *app) expand(where, path string, v map[string]any) error {
	for _, k := range sortedKeys(v) {
		field := strings.TrimPrefix(path+"."+k, ".")
		switch x := v[k].(type) {
		case string:
			var missing []string
			v[k] = envRef.ReplaceAllStringFunc(x, func(ref string) string {
				name := ref[2 : len(ref)-1]
				val, set := a.env.lookup(name)
				if !set && a.fake {
					// --fake is a demo and a dry run: an unset variable gets a placeholder.
					if !a.warned[name] && len(a.warned) < maxWarnings {
						a.warned[name] = true
						fmt.Fprintf(a.env.Stderr, "wsync: %s is not set; --fake uses a placeholder\n", name)
					}
					return "placeholder-" + strings.ToLower(name)
				}
				if !set {
					missing = append(missing, name)
				}
				return val
			})
			if len(missing) > 0 {
				return fmt.Errorf("%s: %s: environment variable %s is not set", where, field, strings.Join(missing, ", "))
			}
		case map[string]any:
			if err := a.expand(where, field, x); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
