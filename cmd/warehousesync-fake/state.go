package main

import (
	"errors"
	"fmt"
	"io"
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
	data, err := readStateFile(path)
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

// maxStateFile is the largest state file the binary reads: far above what the default budgets let a
// snapshot grow to, and a bound on what a wrong -state path (a disk image, a log) makes it read.
const maxStateFile = 1 << 30

// readStateFile reads the state file, which must be a regular file of at most maxStateFile bytes: a
// FIFO or a device (-state /dev/zero) would block the start or read without end.
func readStateFile(path string) ([]byte, error) {
	// Stat before opening: opening a FIFO for reading blocks until a writer comes.
	if info, err := os.Stat(path); err != nil {
		return nil, err
	} else if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s); give the path of a file", info.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("not a regular file (%s); give the path of a file", info.Mode().Type())
	case info.Size() > maxStateFile:
		return nil, fmt.Errorf("%d bytes, more than the %d bytes a state file may hold", info.Size(), maxStateFile)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxStateFile+1))
	if err == nil && len(data) > maxStateFile {
		err = fmt.Errorf("more than the %d bytes a state file may hold", maxStateFile)
	}
	return data, err
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
