//go:build linux

package capture

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
	"kernel.org/pub/linux/libs/security/libcap/psx"
)

// ErrPrivileges: the process could not give up root.
var ErrPrivileges = errors.New("cannot drop privileges")

// DropPrivileges makes a root process run as the named user from now on,
// as tcpdump -Z does: supplementary groups cleared, then the user's group,
// then the user. Call it after the packet sockets (and any output file)
// are open: they stay usable.
//
// Linux keeps credentials per thread, and a Go program has several, so
// every change must reach every thread. Since Go 1.16 syscall.Setgroups,
// Setgid and Setuid do that in both kinds of build: without cgo through
// the runtime's AllThreadsSyscall, with cgo through the C library's
// setxid broadcast.
//
// A process that is not root but runs on file capabilities (setcap
// cap_net_raw,cap_net_admin+ep) has no user to become; it clears its
// capability sets instead (dropCapabilities), so that hours of parsing
// untrusted packets run with none. It does nothing when name is empty,
// and reports whether it dropped anything.
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
// capability sets (and with them the ambient set) of every thread, then
// checks in /proc that no thread kept any. It reports false when the
// process had none.
//
// capset changes only the calling thread, and the C library has no
// broadcast for it as it has for setuid. syscall.AllThreadsSyscall does
// the broadcast, but only in a build without cgo: with cgo it returns
// ENOTSUP, since threads started by C code are unknown to the Go runtime.
// libcap's psx package makes the call on every thread of the process in
// both builds: without cgo it is AllThreadsSyscall, with cgo its C half
// signals each thread listed in /proc/self/task to repeat the call (and
// kills the process should one thread's call end differently from the
// first, rather than leave that thread privileged). Re-executing the process instead would lose the packet
// sockets opened with the capabilities, and refusing cgo builds would
// fail the default `go install` on any machine with a C compiler.
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
	_, _, errno := psx.Syscall3(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&none[0])), 0)
	if errno != 0 {
		return false, fmt.Errorf("%w: clearing capabilities: %v", ErrPrivileges, errno)
	}
	if err := checkNoCapabilities("/proc/self/task"); err != nil {
		return false, fmt.Errorf("%w: %v", ErrPrivileges, err)
	}
	return true, nil
}

// checkNoCapabilities reads the status file of every thread under taskDir
// (/proc/self/task) and fails naming the first thread that still has an
// effective or permitted capability. A thread that exits while it is read
// is skipped: it holds nothing any more.
func checkNoCapabilities(taskDir string) error {
	tasks, err := os.ReadDir(taskDir)
	if err != nil {
		return fmt.Errorf("checking capabilities: %v", err)
	}
	for _, t := range tasks {
		eff, prm, err := threadCapabilities(filepath.Join(taskDir, t.Name(), "status"))
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
			continue
		}
		if err != nil {
			return fmt.Errorf("checking capabilities: %v", err)
		}
		if eff != 0 || prm != 0 {
			return fmt.Errorf("thread %s still has capabilities (CapEff %016x, CapPrm %016x)", t.Name(), eff, prm)
		}
	}
	return nil
}

// threadCapabilities reads the CapEff and CapPrm lines of one
// /proc/PID/task/TID/status file (hexadecimal masks).
func threadCapabilities(status string) (eff, prm uint64, err error) {
	f, err := os.Open(status)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	var seenEff, seenPrm bool
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "CapEff" && key != "CapPrm") {
			continue
		}
		n, perr := strconv.ParseUint(strings.TrimSpace(val), 16, 64)
		if perr != nil {
			return 0, 0, fmt.Errorf("%s: %s line %q", status, key, val)
		}
		if key == "CapEff" {
			eff, seenEff = n, true
		} else {
			prm, seenPrm = n, true
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if !seenEff || !seenPrm {
		return 0, 0, fmt.Errorf("%s: no CapEff or CapPrm line", status)
	}
	return eff, prm, nil
}
