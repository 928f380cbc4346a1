package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServerConfigGivenTwiceReadsBoth guards --server-config given again
// for a file the first one includes: both are read, the second where the
// first's Include names it (a string flag kept only the last, silently,
// and lost the main file's settings); a second file of a server without
// Include is refused, not dropped.
func TestServerConfigGivenTwiceReadsBoth(t *testing.T) {
	dir := t.TempDir()
	main := filepath.Join(dir, "proftpd.conf")
	part := filepath.Join(dir, "copy", "conf.d", "passive.conf")
	if err := os.MkdirAll(filepath.Dir(part), 0o755); err != nil {
		t.Fatal(err)
	}
	for p, text := range map[string]string{main: "Port 21\nMasqueradeAddress 10.99.0.1\nInclude /etc/proftpd/conf.d/\n", part: "PassivePorts 40000 40100\n"} {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, code := readText(t, "--summary", "--server-config", main, "--server-config", part, viewRealDir+"proftpd-pasv-drop.pcap")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, w := range []string{"line 2: MasqueradeAddress 10.99.0.1", part + " line 1: PassivePorts 40000 40100", "line 3: Include /etc/proftpd/conf.d/: read " + part} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	vs := filepath.Join(dir, "vsftpd.conf")
	if err := os.WriteFile(vs, []byte("listen=YES\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = readText(t, "--server-config", vs, "--server-config", part, viewRealDir+"pasv-drop.pcap")
	if code != exitError || !strings.Contains(errOut, "vsftpd.conf: a vsftpd configuration is one file, but --server-config names 2") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("exit %d: %q", code, errOut)
	}
}
