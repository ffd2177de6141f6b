package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/wsync-dev/warehousesync/warehousesynctest"
)

// startWithState starts the server with opts and, when path is not empty, the durable state file
// path (-state): the file's snapshot is restored first (a missing file starts empty), and after every
// acknowledged change the whole state is written to it before the answer, so a kill -9 loses no change
// that was answered 2xx. A file that cannot be read or restored (corrupt, of a newer version, breaking
// a rule) stops the start with an error naming the file; the binary never starts empty instead. The
// state is also written once at start, so an unwritable path fails at once rather than at the first
// change.
func startWithState(path string, opts []warehousesynctest.Option) (*warehousesynctest.Server, error) {
	if path == "" {
		return warehousesynctest.Start(opts...)
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("state file %s: %w", path, err)
	default:
		opts = append(opts, warehousesynctest.WithSnapshot(data))
	}
	opts = append(opts, warehousesynctest.WithPersist(func(snapshot []byte) error { return writeDurably(path, snapshot) }))
	srv, err := warehousesynctest.Start(opts...)
	if errors.Is(err, warehousesynctest.ErrInvalidSnapshot) {
		return nil, fmt.Errorf("state file %s: %w; fix or move the file, the fake does not start without its state", path, err)
	}
	if err != nil {
		return nil, err
	}
	snapshot, err := srv.Snapshot()
	if err == nil {
		err = writeDurably(path, snapshot)
	}
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	return srv, nil
}

// writeDurably replaces the file at path with data so that a crash at any moment leaves either the old
// file or the new one, whole: it writes a temporary file in the same directory, flushes it to disk,
// renames it over path and flushes the directory. The file is readable by its owner only.
func writeDurably(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing the state: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("writing the state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("flushing the state to disk: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing the state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replacing the state file: %w", err)
	}
	done = true
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("flushing the state's directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("flushing the state's directory: %w", err)
	}
	return nil
}
