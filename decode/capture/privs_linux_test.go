//go:build linux

package capture

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// statusFile is a thread's status as /proc shows it, with the lines that
// matter and some around them.
func statusFile(eff, prm string) string {
	s := "Name:\tftpsniff\nUid:\t65534\t65534\t65534\t65534\nCapInh:\t0000000000000000\n"
	if prm != "" {
		s += "CapPrm:\t" + prm + "\n"
	}
	if eff != "" {
		s += "CapEff:\t" + eff + "\n"
	}
	return s + "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n"
}

// TestCheckNoCapabilities: the check DropPrivileges makes after clearing
// the capabilities names a thread that kept any, skips a thread that has
// gone, and refuses a status it cannot read rather than pass.
func TestCheckNoCapabilities(t *testing.T) {
	const none = "0000000000000000"
	for _, tc := range []struct {
		name    string
		threads map[string]string // thread ID: status ("" for a thread that exited)
		want    string            // in the error; "" for none
	}{
		{"all clear", map[string]string{"100": statusFile(none, none), "101": statusFile(none, none)}, ""},
		{"one thread kept CAP_NET_RAW", map[string]string{"100": statusFile(none, none), "101": statusFile("0000000000002000", "0000000000002000")},
			"thread 101 still has capabilities (CapEff 0000000000002000, CapPrm 0000000000002000)"},
		{"permitted only", map[string]string{"100": statusFile(none, "0000000000001000")}, "thread 100 still has capabilities"},
		{"thread exited while read", map[string]string{"100": statusFile(none, none), "101": ""}, ""},
		{"no CapEff line", map[string]string{"100": statusFile("", none)}, "no CapEff or CapPrm line"},
		{"CapPrm not hexadecimal", map[string]string{"100": statusFile(none, "zz")}, `CapPrm line "\tzz"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for tid, status := range tc.threads {
				if err := os.Mkdir(filepath.Join(dir, tid), 0o755); err != nil {
					t.Fatal(err)
				}
				if status == "" {
					continue
				}
				if err := os.WriteFile(filepath.Join(dir, tid, "status"), []byte(status), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := checkNoCapabilities(dir)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
	if err := checkNoCapabilities(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a task directory that cannot be read passed the check")
	}
}

// TestThreadCapabilitiesReadsProc: the status parser agrees with capget
// about the calling thread, whatever the test runs with.
func TestThreadCapabilitiesReadsProc(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		t.Fatal(err)
	}
	eff, prm, err := threadCapabilities("/proc/thread-self/status")
	if err != nil {
		t.Fatal(err)
	}
	wantEff := uint64(data[1].Effective)<<32 | uint64(data[0].Effective)
	wantPrm := uint64(data[1].Permitted)<<32 | uint64(data[0].Permitted)
	if eff != wantEff || prm != wantPrm {
		t.Errorf("status says CapEff %x CapPrm %x, capget %x %x", eff, prm, wantEff, wantPrm)
	}
}
