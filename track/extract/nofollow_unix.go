//go:build unix

package extract

import "syscall"

// noFollow is asked for explicitly although os.Root already adds it: a
// file is never opened through a symbolic link.
const noFollow = syscall.O_NOFOLLOW
