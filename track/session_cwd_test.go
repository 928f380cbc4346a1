package track

import (
	"strings"
	"testing"
)

// TestWorkingDirectoryBounded: a session's working directory longer than
// maxCwd becomes unknown, so a client descending without end (CWD after
// CWD of long names) cannot make every later command's record grow.
func TestWorkingDirectoryBounded(t *testing.T) {
	cwd := "/"
	name := strings.Repeat("d", 1000)
	for range 10 {
		cwd = joinPath(cwd, name)
		if len(cwd) > maxCwd {
			t.Fatalf("working directory of %d bytes, bound %d", len(cwd), maxCwd)
		}
	}
	if cwd != "" {
		t.Errorf("after 10,000 bytes of names: %q, want unknown", cwd[:min(len(cwd), 20)])
	}
	for _, tc := range []struct{ cwd, arg, want string }{
		{"/pub", "x", "/pub/x"}, {"", "x", ""}, {"/a/b", "..", "/a"}, {"", "/abs", "/abs"}, {"/a", "", "/a"},
	} {
		if got := joinPath(tc.cwd, tc.arg); got != tc.want {
			t.Errorf("joinPath(%q, %q) = %q, want %q", tc.cwd, tc.arg, got, tc.want)
		}
	}
}
