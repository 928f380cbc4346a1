package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

// goldenCaptures are the captures whose text and JSON output are pinned.
func goldenCaptures(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{"../../pcaps/synthetic", "../../pcaps/real"} {
		for _, pat := range []string{"*.pcap", "*.pcapng", "*.pcap.gz"} {
			m, err := filepath.Glob(filepath.Join(dir, pat))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, m...)
		}
	}
	if len(files) == 0 {
		t.Fatal("no captures under pcaps/")
	}
	return files
}

// TestGolden runs `ftpsniff read` on every shipped capture, as text (colour
// off) and as JSON, and compares with testdata/golden.
func TestGolden(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	for _, capFile := range goldenCaptures(t) {
		name := strings.TrimSuffix(filepath.Base(capFile), ".gz")
		base := filepath.Base(filepath.Dir(capFile)) + "-" + strings.TrimSuffix(name, filepath.Ext(name))
		for _, mode := range []struct {
			ext  string
			args []string
		}{
			{".txt", []string{"read", "--color", "never"}},
			{".jsonl", []string{"read", "--json"}},
		} {
			t.Run(base+mode.ext, func(t *testing.T) {
				checkGolden(t, base+mode.ext, append(mode.args, capFile))
			})
		}
	}
}

// TestGoldenPolicy pins the diagnosis of the firewall captures against the
// policy an admin would give.
func TestGoldenPolicy(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	real := "../../pcaps/real/"
	tests := []struct {
		name string
		args []string
	}{
		{"policy-pasv-outside-range-flag", []string{"--pasv-range", "40000-40100", real + "pasv-outside-range.pcap"}},
		{"policy-pasv-outside-range-config", []string{"--server-config", "../../pcaps/record/conf/pasv-outside-range.conf", "--pasv-range", "40000-40100", real + "pasv-outside-range.pcap"}},
		{"policy-pasv-drop", []string{"--pasv-range", "40000-40100", real + "pasv-drop.pcap"}},
		{"policy-nat-trusting-client", []string{"--pasv-range", "40000-40100", real + "nat-no-pasv-address-trusting-client.pcap"}},
		{"policy-nat-default-server", []string{"--public-address", "10.99.1.1", real + "nat-no-pasv-address-default-server.pcap"}},
		{"policy-ftps", []string{"--pasv-range", "40000-40100", real + "ftps-explicit.pcap"}},
		{"policy-iis-pasv-range", []string{"--pasv-range", "40000-40100", "../../pcaps/synthetic/iis-nat.pcap"}},
		// Story 8: the range given covers the ports, and still no rule opens them.
		{"policy-lb-other-backend", []string{"--summary", "--pasv-range", "40000-40100", "../../pcaps/synthetic/lb-other-backend.pcap"}},
	}
	for _, tt := range tests {
		for _, mode := range []struct {
			ext  string
			args []string
		}{
			{".txt", []string{"read", "--color", "never"}},
			{".jsonl", []string{"read", "--json"}},
		} {
			t.Run(tt.name+mode.ext, func(t *testing.T) {
				checkGolden(t, tt.name+mode.ext, append(mode.args, tt.args...))
			})
		}
	}
}

// checkGolden runs the command line and compares with testdata/golden/name.
func checkGolden(t *testing.T, name string, args []string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	got := stdout.String()
	if stderr.Len() > 0 {
		got += "--- stderr\n" + stderr.String()
	}
	got += "--- exit " + strconv.Itoa(code) + "\n"
	golden := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/ftpsniff -run TestGolden -update)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s:\n%s", golden, firstDiff(string(want), got))
	}
}

// firstDiff shows the first differing line of two outputs.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(same lines, different bytes)"
}

// TestDeterministic: the text output of every capture in the shared
// corpus is the same from run to run (map order must never leak into it:
// regression for ftp-bounce.pcap, whose two sessions swapped places).
func TestDeterministic(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/corpus/*/*")
	if len(files) == 0 {
		t.Skip("../shared/corpus is absent")
	}
	for _, f := range files {
		var first string
		for i := 0; i < 4; i++ {
			var stdout, stderr bytes.Buffer
			run([]string{"read", "--color", "never", "--pasv-range", "40000-40100", f}, &stdout, &stderr)
			if i == 0 {
				first = stdout.String()
			} else if stdout.String() != first {
				t.Errorf("%s: run %d differs:\n%s", f, i+1, firstDiff(first, stdout.String()))
				break
			}
		}
	}
}

// TestGoldenAttack pins the summary of the reviewer's attack captures
// (pcaps/hostile/attack, generators in its README): an FTPS client's
// connection to another service taken for a data connection, SYNs to
// another backend, an announced host that resets. Each once gave a wrong
// rule (a range around port 3306, a DNAT to the wrong host).
func TestGoldenAttack(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	files, err := filepath.Glob("../../pcaps/hostile/attack/*.pcap")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures under pcaps/hostile/attack: %v", err)
	}
	for _, f := range files {
		name := "attack-" + strings.TrimSuffix(filepath.Base(f), ".pcap") + ".txt"
		t.Run(name, func(t *testing.T) {
			checkGolden(t, name, []string{"read", "--color", "never", "--summary", f})
		})
	}
}
