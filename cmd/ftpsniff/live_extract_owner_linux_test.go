package main

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// TestExtractFolderGivenToUser: `live --extract DIR` started as root
// creates DIR (mode 0700) before it drops to --user: the folder must then
// belong to that user, still private, or every file fails with
// "permission denied" once privileges are dropped (the reviewer's
// create_failed 72). A folder that existed is left as it is.
func TestExtractFolderGivenToUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	uid, _ := strconv.Atoi(u.Uid)
	for _, existed := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "files")
		if existed {
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		o := &extractOptions{ExtractDir: dir, ExtractMaxOpen: 1, ExtractMaxFile: 1, ExtractMaxTotal: 1}
		if err := o.validateExtract(); err != nil {
			t.Fatal(err)
		}
		if err := o.giveExtractTo("nobody"); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		owner := int(fi.Sys().(*syscall.Stat_t).Uid)
		switch {
		case !existed && (owner != uid || fi.Mode().Perm() != 0o700):
			t.Errorf("created folder: owner %d mode %v, want %d (nobody) and 0700", owner, fi.Mode().Perm(), uid)
		case existed && owner != 0:
			t.Errorf("existing folder: owner %d, want it left to root", owner)
		}
		o.extractDir.Close()
	}
}
