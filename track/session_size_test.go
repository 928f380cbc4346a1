package track

import (
	"testing"
	"unsafe"
)

// TestSessionSizeClass: the facts a session notes as its commands and
// data connections pass (NoteCommand, ListData) live in what was its
// padding, so a Session stays in the 576-byte allocation class (568
// bytes and the allocator's 8-byte header): a class more costs every
// session open at once 64 bytes.
func TestSessionSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(Session{}); n > 568 {
		t.Errorf("Session is %d bytes, past the 576-byte size class with its header", n)
	}
}
