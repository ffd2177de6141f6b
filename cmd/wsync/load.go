package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wsync-dev/warehousesync/apply"
)

// loadOptions change how files are read.
type loadOptions struct {
	// allowLiteral accepts secrets written in the files instead of ${VAR} references.
	allowLiteral bool
}

// maxWarnings bounds the warnings about unset variables.
const maxWarnings = 100

// addPath adds the apply file, or the directory of apply files, p to d.
func (a *app) addPath(l *apply.Loader, d *apply.Desired, p string) error {
	if info, err := os.Stat(p); err == nil && info.IsDir() {
		return l.Add(d, os.DirFS(p), ".", p)
	}
	return l.Add(d, os.DirFS(filepath.Dir(p)), filepath.Base(p), filepath.Dir(p))
}

// load reads the apply files at paths (files, or directories of *.yaml, *.yml and *.json files) with
// apply.Loader; every problem of every file is reported at once.
func (a *app) load(paths []string, opts loadOptions) (*apply.Desired, error) {
	if len(paths) == 0 {
		return nil, errors.New("no file given: use -f FILE or -f DIRECTORY")
	}
	l := &apply.Loader{LookupEnv: a.env.LookupEnv, AllowLiteralSecrets: opts.allowLiteral}
	if a.fake {
		// --fake is a demo and a dry run: an unset variable gets a placeholder.
		l.Unset = func(name string) string {
			if !a.warned[name] && len(a.warned) < maxWarnings {
				a.warned[name] = true
				fmt.Fprintf(a.env.Stderr, "wsync: %s is not set; --fake uses a placeholder\n", name)
			}
			return "placeholder-" + strings.ToLower(name)
		}
	}
	d := &apply.Desired{}
	var errs []error
	for _, p := range paths {
		errs = append(errs, a.addPath(l, d, p))
	}
	if err := errors.Join(errs...); err != nil {
		// Report the problems the files' other resources have too, all at once.
		return nil, errors.Join(err, apply.Validate(d))
	}
	return d, nil
}
