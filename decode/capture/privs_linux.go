//go:build linux

package capture

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ErrPrivileges: the process could not give up root.
var ErrPrivileges = errors.New("cannot drop privileges")

// DropPrivileges makes a root process run as the named user from now on,
// as tcpdump -Z does: supplementary groups cleared, then the user's group,
// then the user. Call it after the packet sockets (and any output file)
// are open: they stay usable. Since Go 1.16 syscall.Setuid changes every
// thread of the process, not just the calling one.
//
// A process that is not root but runs on file capabilities (setcap
// cap_net_raw,cap_net_admin+eip) has no user to become; it clears its
// capability sets instead, so that hours of parsing untrusted packets run
// with none. It does nothing when name is empty, and reports whether it
// dropped anything.
func DropPrivileges(name string) (bool, error) {
	if name == "" {
		return false, nil
	}
	if os.Geteuid() != 0 {
		return dropCapabilities()
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

// dropCapabilities clears the effective, permitted and inheritable
// capability sets of every thread (capset is per thread, hence
// AllThreadsSyscall). It reports false when the process had none. In a
// cgo build AllThreadsSyscall is unavailable; the capabilities are then
// kept, and the error says so.
func dropCapabilities() (bool, error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var have [2]unix.CapUserData
	if err := unix.Capget(&hdr, &have[0]); err != nil {
		return false, fmt.Errorf("%w: capget: %v", ErrPrivileges, err)
	}
	if have[0].Effective|have[0].Permitted|have[1].Effective|have[1].Permitted == 0 {
		return false, nil
	}
	var none [2]unix.CapUserData
	_, _, errno := syscall.AllThreadsSyscall(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&none[0])), 0)
	if errno != 0 {
		return false, fmt.Errorf("%w: clearing capabilities: %v (a CGO_ENABLED=0 build can)", ErrPrivileges, errno)
	}
	return true, nil
}
