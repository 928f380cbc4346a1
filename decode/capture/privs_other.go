//go:build !linux

package capture

import "errors"

// ErrPrivileges: the process could not give up root.
var ErrPrivileges = errors.New("cannot drop privileges")

// DropPrivileges does nothing where live capture is not available.
func DropPrivileges(string) (bool, error) { return false, nil }
