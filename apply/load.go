package apply

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	ws "github.com/wsync-dev/warehousesync"
	"github.com/wsync-dev/warehousesync/internal/wire"
)

// MaxFileSize bounds one apply file, in bytes.
const MaxFileSize = 10 << 20

// MaxFiles bounds the apply files one Loader reads, over all its Add calls.
const MaxFiles = 1000

// MaxTotalSize bounds the bytes of all the apply files one Loader reads, over all its Add calls.
const MaxTotalSize = 32 << 20

// maxDirEntries bounds the entries of a directory Add looks at (apply files or not): a directory of
// millions of files is refused before their names are all held in memory.
const maxDirEntries = 100_000

// maxLoadErrors bounds the errors a load reports; the rest are counted.
const maxLoadErrors = 200

// Loader reads apply files: YAML (or JSON) with up to three lists, connections, data_models and
// pipelines, whose entries are the module's types written through their JSON names. ${NAME} in any
// string expands from the environment.
//
// A Loader reports every problem it finds at once, each an *Error with the file, line and column, the
// resource and the field. Its errors never quote the file's values (they may be secrets): a YAML error
// is a position and a fixed description of its kind.
type Loader struct {
	// LookupEnv reads a variable for ${NAME} (os.LookupEnv); nil means every variable is unset.
	LookupEnv func(string) (string, bool)
	// AllowLiteralSecrets accepts secrets written in the files instead of ${NAME} references.
	AllowLiteralSecrets bool
	// Unset, when not nil, gives the value of a variable that is not set, instead of an error (wsync
	// --fake uses placeholders).
	Unset func(name string) string

	// files and size count what the Loader has read, against MaxFiles and MaxTotalSize; expanded
	// counts the bytes ${NAME} references expanded to, against MaxTotalSize too.
	files, size, expanded int
}

// Load reads every apply file at the top of fsys (*.yaml, *.yml and *.json, not *.schema.json), in name
// order, expanding ${NAME} with lookupEnv.
func Load(fsys fs.FS, lookupEnv func(string) (string, bool)) (*Desired, error) {
	d := &Desired{}
	l := &Loader{LookupEnv: lookupEnv}
	if err := l.Add(d, fsys, ".", ""); err != nil {
		return nil, err
	}
	return d, nil
}

// isApplyFile reports whether a directory entry named name is read as an apply file.
func isApplyFile(name string) bool {
	switch path.Ext(name) {
	case ".yaml", ".yml", ".json":
		return !strings.HasSuffix(name, ".schema.json")
	}
	return false
}

// Add reads name of fsys into d: a file, or a directory whose apply files (*.yaml, *.yml and *.json,
// not *.schema.json) it reads in name order. label, when not empty, is the operating-system path that
// fsys stands for: messages and d.Sources name files as filepath.Join(label, name). Only regular files
// are read: a FIFO, device or socket is refused without being opened. Every error is returned, joined;
// d then holds what could be decoded, for Validate to report the other problems at once, and must not
// be planned.
func (l *Loader) Add(d *Desired, fsys fs.FS, name, label string) error {
	display := func(p string) string {
		if label == "" {
			return p
		}
		return filepath.Join(label, filepath.FromSlash(p))
	}
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return &Error{File: display(name), Rule: "cannot be read: " + fsProblem(err)}
	}
	var files []string
	var errs []error
	if info.IsDir() {
		names, err := applyFiles(fsys, name)
		if err != nil {
			return &Error{File: display(name), Rule: err.Error()}
		}
		for _, n := range names {
			files = append(files, path.Join(name, n))
		}
		if len(files) == 0 {
			return &Error{File: display(name), Rule: "holds no .yaml, .yml or .json files"}
		}
	} else {
		files = []string{name}
	}
	if l.files+len(files) > MaxFiles {
		return &Error{File: display(name), Rule: fmt.Sprintf("makes %d apply files in all; at most %d are read", l.files+len(files), MaxFiles)}
	}
	l.files += len(files)
	for _, f := range files {
		raw, err := readRegular(fsys, f, display(f))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if l.size += len(raw); l.size > MaxTotalSize {
			errs = append(errs, &Error{File: display(f), Rule: fmt.Sprintf("makes the files read larger than %d MiB in all; split them across several runs", MaxTotalSize>>20)})
			break
		}
		pf, err := l.parse(display(f), raw)
		if err != nil {
			errs = append(errs, err)
		}
		if pf.state != nil {
			d.merge(pf.state, display(f), pf.positions)
			d.Scope = d.Scope.join(pf.scope)
			for r, fields := range pf.cleared {
				d.Clear(r, fields...)
			}
			for r, names := range pf.refs {
				if d.References == nil {
					d.References = map[Ref]map[string]string{}
				}
				if d.References[r] == nil {
					d.References[r] = names
				}
			}
		}
	}
	return joinBounded(errs)
}

// applyFiles returns the names of the apply files in the directory dir of fsys, sorted, reading its
// entries in batches: at most maxDirEntries of them, and MaxFiles apply files.
func applyFiles(fsys fs.FS, dir string) ([]string, error) {
	f, err := fsys.Open(dir)
	if err != nil {
		return nil, errors.New("cannot be read: " + fsProblem(err))
	}
	defer f.Close()
	rd, isDir := f.(fs.ReadDirFile)
	if !isDir {
		return nil, errors.New("cannot be read as a directory")
	}
	var names []string
	seen := 0
	for {
		batch, err := rd.ReadDir(256)
		seen += len(batch)
		if seen > maxDirEntries {
			return nil, fmt.Errorf("holds more than %d entries; give the folder of the apply files", maxDirEntries)
		}
		for _, e := range batch {
			if !e.IsDir() && isApplyFile(e.Name()) {
				names = append(names, e.Name())
			}
		}
		if len(names) > MaxFiles {
			return nil, fmt.Errorf("holds more than %d apply files; at most %d are read", MaxFiles, MaxFiles)
		}
		if errors.Is(err, io.EOF) || err == nil && len(batch) == 0 {
			break
		}
		if err != nil {
			return nil, errors.New("cannot be read: " + fsProblem(err))
		}
	}
	slices.Sort(names)
	return names, nil
}

// fsProblem is the reason of a file-system error without the path (which the caller names).
func fsProblem(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}

// readRegular reads the file name of fsys, refusing before opening it anything but a regular file
// (opening a FIFO would wait for a writer forever) and anything larger than MaxFileSize.
func readRegular(fsys fs.FS, name, display string) ([]byte, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, &Error{File: display, Rule: "cannot be read: " + fsProblem(err)}
	}
	if !info.Mode().IsRegular() {
		return nil, &Error{File: display, Rule: "is not a regular file (a FIFO, device, socket or directory is not read)"}
	}
	if info.Size() > MaxFileSize {
		return nil, &Error{File: display, Rule: fmt.Sprintf("is larger than %d MiB", MaxFileSize>>20)}
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, &Error{File: display, Rule: "cannot be read: " + fsProblem(err)}
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil, &Error{File: display, Rule: "is not a regular file (a FIFO, device, socket or directory is not read)"}
	}
	raw, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &Error{File: display, Rule: "cannot be read: " + fsProblem(err)}
	}
	if len(raw) > MaxFileSize {
		return nil, &Error{File: display, Rule: fmt.Sprintf("is larger than %d MiB", MaxFileSize>>20)}
	}
	return raw, nil
}

// joinBounded joins errs, keeping at most maxLoadErrors and counting the rest.
func joinBounded(errs []error) error {
	var flat []error
	for _, err := range errs {
		if j, isJoin := err.(interface{ Unwrap() []error }); isJoin {
			flat = append(flat, j.Unwrap()...)
		} else if err != nil {
			flat = append(flat, err)
		}
	}
	if len(flat) > maxLoadErrors {
		n := len(flat) - maxLoadErrors
		flat = append(flat[:maxLoadErrors], fmt.Errorf("… and %d more errors", n))
	}
	return errors.Join(flat...)
}

// envRef matches one ${NAME} reference.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// fileErrors collects the errors of one file, and the variables its fields name.
type fileErrors struct {
	file string
	errs []error
	// refs maps "id\x00field" to the variable a field is written as (${NAME} alone).
	refs map[string]string
}

func (f *fileErrors) add(pos Pos, ref Ref, field, rule string) {
	if len(f.errs) < maxLoadErrors+1 {
		f.errs = append(f.errs, &Error{File: f.file, Pos: pos, Resource: ref, Field: field, Rule: rule})
	}
}

// parse decodes the text of the apply file file. It returns what it could decode, with the positions of
// each resource's fields and the fields declared empty, and every error.
func (l *Loader) parse(file string, raw []byte) (parsedFile, error) {
	var scope Scope
	doc, err := parseYAML(file, raw)
	if err != nil {
		return parsedFile{}, err
	}
	fe := &fileErrors{file: file, refs: map[string]string{}}
	top, isMap := doc.value.(map[string]any)
	if !isMap {
		fe.add(doc.pos[""], Ref{}, "", "must be a mapping with connections, data_models and pipelines")
		return parsedFile{}, joinBounded(fe.errs)
	}
	s := &State{}
	positions := map[Ref]map[string]Pos{}
	byEntry := entryPositions(doc.pos)
	clearedByRef := map[Ref][]string{}
	refsByRef := map[Ref]map[string]string{}
	for _, key := range slices.Sorted(mapsKeys(top)) {
		if key == "prune_scope" {
			scope = l.scope(fe, doc.pos, top[key])
			continue
		}
		k, known := kindByFileKey(key)
		kind := k.Kind
		if !known {
			fe.add(doc.pos[key], Ref{}, "", fmt.Sprintf("unknown key %s: the keys are connections, data_models, pipelines and prune_scope", safeKey(key)))
			continue
		}
		list, isList := top[key].([]any)
		if top[key] != nil && !isList {
			fe.add(doc.pos[key], Ref{}, "", key+": must be a list")
			continue
		}
		for i, item := range list {
			prefix := key + "." + strconv.Itoa(i)
			obj, isObj := item.(map[string]any)
			if !isObj {
				fe.add(doc.pos[prefix], Ref{}, "", fmt.Sprintf("%s[%d]: must be a mapping", key, i))
				continue
			}
			id, _ := obj["id"].(string)
			fields := byEntry[prefix]
			ref := Ref{kind, id}
			if !wire.ValidSlug(id) {
				// An id that is not one is never printed (it may be a ${NAME} that expands to a
				// secret): the entry is named by its place in the list.
				ref.ID = "#" + strconv.Itoa(i+1)
			}
			at := func(field string) Pos { return nearest(fields, field) }
			before := len(fe.refs)
			cleared := l.resource(fe, at, kind, ref, obj, s)
			// The resource is known by its id as expanded (id: ${NAME} is allowed).
			id, _ = obj["id"].(string)
			if _, seen := positions[Ref{kind, id}]; !seen {
				positions[Ref{kind, id}] = fields
			}
			if len(cleared) > 0 {
				if clearedByRef[Ref{kind, id}] == nil {
					clearedByRef[Ref{kind, id}] = cleared
				}
			}
			if len(fe.refs) > before {
				for k, name := range fe.refs {
					if rid, field, _ := strings.Cut(k, "\x00"); rid == ref.ID {
						if refsByRef[Ref{kind, id}] == nil {
							refsByRef[Ref{kind, id}] = map[string]string{}
						}
						refsByRef[Ref{kind, id}][field] = name
					}
				}
			}
			clear(fe.refs)
		}
	}
	return parsedFile{state: s, scope: scope, positions: positions, cleared: clearedByRef, refs: refsByRef}, joinBounded(fe.errs)
}

// parsedFile is what one apply file declares.
type parsedFile struct {
	state     *State
	scope     Scope
	positions map[Ref]map[string]Pos
	cleared   map[Ref][]string
	refs      map[Ref]map[string]string
}

// scope decodes the file's prune_scope.
func (l *Loader) scope(fe *fileErrors, pos map[string]Pos, v any) Scope {
	var scope Scope
	obj, isMap := v.(map[string]any)
	if !isMap {
		fe.add(pos["prune_scope"], Ref{}, "", "prune_scope: must be a mapping with id_prefixes (a list) or all (true or false)")
		return scope
	}
	for _, field := range unknownFields(obj, reflect.TypeFor[Scope](), "prune_scope.") {
		fe.add(pos[field], Ref{}, "", field+": unknown field")
	}
	b, _ := json.Marshal(obj)
	if json.Unmarshal(b, &scope) != nil {
		fe.add(pos["prune_scope"], Ref{}, "", "prune_scope: must be a mapping with id_prefixes (a list of strings) or all (true or false)")
	}
	return scope
}

// resource checks, expands and decodes one entry of the file, adding it to s unless it has errors.
func (l *Loader) resource(fe *fileErrors, at func(string) Pos, kind Kind, ref Ref, obj map[string]any, s *State) (cleared []string) {
	before := len(fe.errs)
	if kind == KindConnection {
		l.checkSecrets(fe, at, ref, obj)
	}
	cleared = emptyFields(kind, obj, "")
	l.expand(fe, at, ref, "", obj)
	if kind == KindConnection {
		numbersAsText(obj)
	}
	t := resourceType(kind)
	for _, field := range unknownFields(obj, t, "") {
		fe.add(at(field), ref, field, "unknown field")
	}
	// A resource with errors is still added when it decodes, so that Validate can report its other
	// problems at once; Add's error says the load failed.
	v, err := decodeResource(kind, obj)
	if err != nil && len(fe.errs) > before {
		return nil // the errors already reported explain it
	}
	if err != nil {
		for _, field := range failingFields(kind, obj) {
			fe.add(at(field), ref, field, wrongForm(field))
		}
		if len(fe.errs) == before {
			fe.add(at(""), ref, "", "cannot be read as a "+string(kind))
		}
		return nil
	}
	if k, err := kindInfo(kind); err == nil {
		k.Add(s, v)
	}
	return cleared
}

// emptyFields returns the paths of the members of obj declared empty (null or ""), which clear a
// field, looking into nested objects; secrets (empty means unchanged) and a config of unknown shape
// are left out.
func emptyFields(kind Kind, obj map[string]any, prefix string) []string {
	var out []string
	for _, k := range slices.Sorted(mapsKeys(obj)) {
		path := prefix + k
		switch v := obj[k].(type) {
		case nil:
		case string:
			if v != "" {
				continue
			}
		case map[string]any:
			if path == "config" && kind == KindConnection {
				sp, _ := obj["service_provider"].(string)
				if _, known := wire.LookupProvider(sp); !known {
					continue
				}
			}
			out = append(out, emptyFields(kind, v, path+".")...)
			continue
		default:
			continue
		}
		if path == "id" || kind == KindConnection && strings.HasPrefix(path, "config.") && slices.Contains(wire.ConfigSecretKeys(), path[len("config."):]) {
			continue
		}
		out = append(out, path)
	}
	return out
}

func mapsKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// entryPositions groups the positions of a file's values by the list entry they belong to: the key is
// the entry's path ("pipelines.0"), the value maps the path below it to the position ("" is the entry
// itself). One pass over all positions.
func entryPositions(all map[string]Pos) map[string]map[string]Pos {
	out := map[string]map[string]Pos{}
	for p, pos := range all {
		key, rest, _ := strings.Cut(p, ".")
		index, below, _ := strings.Cut(rest, ".")
		if index == "" {
			continue
		}
		entry := key + "." + index
		if out[entry] == nil {
			out[entry] = map[string]Pos{}
		}
		out[entry][below] = pos
	}
	return out
}

// nearest is the position of field, else of its nearest parent.
func nearest(fields map[string]Pos, field string) Pos {
	l := errorList{positions: map[Ref]map[string]Pos{{}: fields}}
	return l.posOf(Ref{}, field)
}

// kindByFileKey returns the kind whose resources an apply file lists under key.
func kindByFileKey(key string) (KindInfo, bool) {
	for _, k := range Kinds() {
		if k.FileKey == key {
			return k, true
		}
	}
	return KindInfo{}, false
}

// resourceType is the Go type of a kind's resources.
func resourceType(kind Kind) reflect.Type {
	k, err := kindInfo(kind)
	if err != nil {
		return reflect.TypeFor[struct{}]()
	}
	return k.Type
}

// decodeResource decodes obj as a resource of kind.
func decodeResource(kind Kind, obj map[string]any) (any, error) {
	k, err := kindInfo(kind)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	v := k.New()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return v, dec.Decode(v)
}

// failingFields returns the paths of the members of obj that do not decode, each tried alone (a
// connection's service_provider kept, since it chooses the config's type), looking into the members
// whose type is a struct of the module. Decoding errors are not shown: they can quote the value.
func failingFields(kind Kind, obj map[string]any) []string {
	var out []string
	var walk func(prefix string, m map[string]any, t reflect.Type, wrap func(any) map[string]any)
	walk = func(prefix string, m map[string]any, t reflect.Type, wrap func(any) map[string]any) {
		fields := map[string]reflect.Type{}
		if t != nil {
			fields = jsonFields(t)
		}
		for _, k := range slices.Sorted(mapsKeys(m)) {
			field := prefix + k
			if _, err := decodeResource(kind, wrap(map[string]any{k: m[k]})); err == nil {
				continue
			}
			sub, isMap := m[k].(map[string]any)
			ft := fields[k]
			for ft != nil && ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			nested := ft != nil && ft.Kind() == reflect.Struct && !reflect.PointerTo(ft).Implements(unmarshalerType)
			if ft == reflect.TypeFor[ws.ConnectionConfig]() {
				nested, ft = true, nil
			}
			if !isMap || len(sub) == 0 || !nested {
				out = append(out, field)
				continue
			}
			before := len(out)
			walk(field+".", sub, ft, func(v any) map[string]any { return wrap(map[string]any{k: v}) })
			if len(out) == before {
				out = append(out, field)
			}
		}
	}
	walk("", obj, resourceType(kind), func(v any) map[string]any {
		m := v.(map[string]any)
		if sp, has := obj["service_provider"]; has {
			if _, isSP := m["service_provider"]; !isSP {
				m["service_provider"] = sp
			}
		}
		return m
	})
	return out
}

// numbersAsText writes, in the config of the connection conn, every integer given for a documented
// setting that is not a secret as its text (a float, 1e+20 say, is left to be refused): the API takes every setting as a string, and YAML reads
// port: 5439 as a number.
func numbersAsText(conn map[string]any) {
	cfg, _ := conn["config"].(map[string]any)
	sp, _ := conn["service_provider"].(string)
	p, known := wire.LookupProvider(sp)
	if cfg == nil || !known {
		return
	}
	for _, k := range p.Config {
		if n, isNumber := cfg[k.Name].(json.Number); isNumber && !k.Secret && !strings.ContainsAny(string(n), ".eE") {
			cfg[k.Name] = n.String()
		}
	}
}

// wrongForm describes what a field that does not decode must hold.
func wrongForm(field string) string {
	last := field[strings.LastIndexByte(field, '.')+1:]
	switch last {
	case "from", "until", "start", "end":
		return "must be an RFC 3339 timestamp such as \"2025-01-01T00:00:00Z\" (quoted in YAML)"
	case "delay":
		return "must be a duration such as 15m, 1h or 1h30m"
	case "data_plan_version", "partner_feed_id":
		return "must be an integer"
	case "port":
		return "must be a port number such as 5439"
	case "config", "sync_mode", "schedule":
		return "must be a mapping"
	}
	return "has a value of the wrong type (a string, number, list or mapping where another is expected)"
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// jsonFields maps the JSON names of struct type t's fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// unknownFields returns the paths of the members of obj that struct type t does not have, recursing into
// nested structs and into a connection's config of a known provider.
func unknownFields(obj map[string]any, t reflect.Type, prefix string) []string {
	fields := jsonFields(t)
	var out []string
	for _, k := range slices.Sorted(mapsKeys(obj)) {
		ft, known := fields[k]
		if !known {
			out = append(out, prefix+k)
			continue
		}
		sub, isMap := obj[k].(map[string]any)
		if !isMap {
			continue
		}
		if ft == reflect.TypeFor[ws.ConnectionConfig]() {
			sp, _ := obj["service_provider"].(string)
			p, known := wire.LookupProvider(sp)
			if !known {
				continue // a config of unknown shape
			}
			for _, ck := range slices.Sorted(mapsKeys(sub)) {
				if !slices.ContainsFunc(p.Config, func(c wire.ConfigKey) bool { return c.Name == ck }) {
					out = append(out, prefix+k+"."+ck)
				}
			}
			continue
		}
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && !reflect.PointerTo(ft).Implements(unmarshalerType) {
			out = append(out, unknownFields(sub, ft, prefix+k+".")...)
		}
	}
	return out
}

// checkSecrets refuses a secret written in the file: it must be a ${NAME} reference, or the mask
// (unchanged), unless literals are allowed.
func (l *Loader) checkSecrets(fe *fileErrors, at func(string) Pos, ref Ref, conn map[string]any) {
	cfg, _ := conn["config"].(map[string]any)
	if sp, _ := conn["service_provider"].(string); cfg != nil && !l.AllowLiteralSecrets {
		if _, known := wire.LookupProvider(sp); !known {
			l.checkUnknownConfig(fe, at, ref, "config", cfg)
			return
		}
	}
	for _, k := range wire.ConfigSecretKeys() {
		v, present := cfg[k]
		if !present || v == nil || l.AllowLiteralSecrets {
			continue
		}
		field := "config." + k
		s, isString := v.(string)
		if !isString {
			fe.add(at(field), ref, field, "must be a string")
			continue
		}
		if isReference(s) {
			continue
		}
		fe.add(at(field), ref, field, fmt.Sprintf("is a secret written in the file; write ${ENV_VAR} to read it from the environment, %q to keep the stored one, or allow literal secrets (wsync: --allow-literal-secrets)", ws.MaskedSecret))
	}
}

// isReference reports whether s is a secret written safely: ${NAME} references only, the mask
// (unchanged), or nothing.
func isReference(s string) bool {
	return s == "" || s == ws.MaskedSecret || envRef.FindStringIndex(s) != nil && envRef.ReplaceAllString(s, "") == ""
}

// checkUnknownConfig refuses any value written in a config of a provider the module does not know:
// which of its keys are secrets cannot be known, so all of them are treated as secrets.
func (l *Loader) checkUnknownConfig(fe *fileErrors, at func(string) Pos, ref Ref, field string, v any) {
	switch x := v.(type) {
	case nil:
	case map[string]any:
		for _, k := range slices.Sorted(mapsKeys(x)) {
			l.checkUnknownConfig(fe, at, ref, field+"."+k, x[k])
		}
	case []any:
		for i, e := range x {
			l.checkUnknownConfig(fe, at, ref, field+"."+strconv.Itoa(i), e)
		}
	case string:
		if !isReference(x) {
			fe.add(at(field), ref, field, "is written in the file, but the config of a provider wsync does not know is all secret; write ${ENV_VAR}, or allow literal secrets (wsync: --allow-literal-secrets)")
		}
	default:
		fe.add(at(field), ref, field, "is written in the file, but the config of a provider wsync does not know is all secret; write ${ENV_VAR} (a string), or allow literal secrets (wsync: --allow-literal-secrets)")
	}
}

// expand replaces ${NAME} in every string of v from the environment, in nested mappings and lists
// too; an unset variable, or one set to the empty string (which would read as "not declared", so a
// rotated secret would silently stay the same), is an error naming the field and the variable.
func (l *Loader) expand(fe *fileErrors, at func(string) Pos, ref Ref, prefix string, v map[string]any) {
	for _, k := range slices.Sorted(mapsKeys(v)) {
		l.expandValue(fe, at, ref, prefix+k, v[k], func(nv any) { v[k] = nv })
	}
}

// expandValue expands the value x of field, storing the result with set.
func (l *Loader) expandValue(fe *fileErrors, at func(string) Pos, ref Ref, field string, x any, set func(any)) {
	switch x := x.(type) {
	case map[string]any:
		l.expand(fe, at, ref, field+".", x)
	case []any:
		for i := range x {
			l.expandValue(fe, at, ref, field+"."+strconv.Itoa(i), x[i], func(nv any) { x[i] = nv })
		}
	case string:
		if m := envRef.FindStringSubmatchIndex(x); m != nil && m[0] == 0 && m[1] == len(x) && fe.refs != nil {
			fe.refs[ref.ID+"\x00"+field] = x[m[2]:m[3]]
		}
		var missing, empty []string
		over := false
		set(envRef.ReplaceAllStringFunc(x, func(r string) string {
			name := r[2 : len(r)-1]
			val, isSet := l.lookup(name)
			if l.expanded += len(val); l.expanded > MaxTotalSize {
				over = true
				return ""
			}
			switch {
			case !isSet && l.Unset != nil:
				return l.Unset(name)
			case !isSet:
				missing = append(missing, name)
			case val == "":
				empty = append(empty, name)
			}
			return val
		}))
		if over {
			fe.add(at(field), ref, field, fmt.Sprintf("the ${NAME} references of the files expand to more than %d MiB in all", MaxTotalSize>>20))
			return
		}
		if len(missing) > 0 {
			fe.add(at(field), ref, field, "environment variable "+strings.Join(missing, ", ")+" is not set")
		}
		if len(empty) > 0 {
			// An empty value would read as "not declared": a secret would silently stay unchanged.
			fe.add(at(field), ref, field, "environment variable "+strings.Join(empty, ", ")+" is set but empty")
		}
	}
}

func (l *Loader) lookup(name string) (string, bool) {
	if l.LookupEnv == nil {
		return "", false
	}
	return l.LookupEnv(name)
}
