//go:build linux

package capture

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// ErrPrivileges: the process could not give up root.
var ErrPrivileges = errors.New("cannot drop privileges")

// DropPrivileges makes a root process run as the named user from now on,
// as tcpdump -Z does: supplementary groups cleared, then the user's group,
// then the user. Call it after the packet sockets (and any output file)
// are open: they stay usable. Since Go 1.16 syscall.Setuid changes every
// thread of the process, not just the calling one.
//
// It does nothing when the process is not root (it runs on file
// capabilities or was started unprivileged) or when name is empty, and
// reports whether it dropped anything.
func DropPrivileges(name string) (bool, error) {
	if name == "" || os.Geteuid() != 0 {
		return false, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return false, fmt.Errorf("%w: user %q: %v", ErrPrivileges, name, err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return false, fmt.Errorf("%w: user %q has uid %q, gid %q", ErrPrivileges, name, u.Uid, u.Gid)
	}
	if uid == 0 {
		return false, nil
	}
	if err := syscall.Setgroups(nil); err != nil {
		return false, fmt.Errorf("%w: setgroups: %v", ErrPrivileges, err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return false, fmt.Errorf("%w: setgid %d: %v", ErrPrivileges, gid, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return false, fmt.Errorf("%w: setuid %d: %v", ErrPrivileges, uid, err)
	}
	// Setuid from root sets the real, effective and saved IDs; make sure
	// there is no way back.
	if syscall.Setuid(0) == nil {
		return false, fmt.Errorf("%w: could still become root again", ErrPrivileges)
	}
	return true, nil
}
