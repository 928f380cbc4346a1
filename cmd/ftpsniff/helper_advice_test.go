package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// helperAdviceFindings runs --helper linux over a real capture and returns the
// findings of code, as JSON records.
func helperAdviceFindings(t *testing.T, capture, code string) []map[string]any {
	t.Helper()
	path := "../../pcaps/real/" + capture
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s absent", path)
	}
	var stdout, stderr bytes.Buffer
	if c := run([]string{"read", "--json", "--helper", "linux", path}, &stdout, &stderr); c != exitOK {
		t.Fatalf("exit %d: %s", c, stderr.String())
	}
	var out []map[string]any
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["type"] == "finding" && rec["code"] == code {
			out = append(out, rec)
		}
	}
	return out
}

// TestHelperAdviceNamesTheFamilysSettingAndHelperObject guards the --helper
// advice for a server behind a NAT router: the helper attached with its
// ct helper object at the session's server port (an nft "ct helper set"
// without the object does not load), and the public-address setting of
// the server's own family, not vsftpd's pasv_address for every server.
// Every advice is checked before any nft -c load, which alone needs nft
// and root and is skipped on its own without them.
func TestHelperAdviceNamesTheFamilysSettingAndHelperObject(t *testing.T) {
	for _, tc := range []struct{ capture, setting string }{
		{"proftpd-nat-no-masquerade-client.pcap", "ProFTPD's MasqueradeAddress"},
		{"pureftpd-nat-no-forced-ip-client.pcap", "Pure-FTPd's ForcePassiveIP"},
		{"nat-no-pasv-address-default-client.pcap", "vsftpd's pasv_address"},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			var loads []string
			for _, f := range helperAdviceFindings(t, tc.capture, CodeHelperRewrite) {
				a, _ := f["advice"].(string)
				if !strings.Contains(a, "attach the helper") {
					continue
				}
				for _, w := range []string{tc.setting, `ct helper ftp-std { type "ftp" protocol tcp; }`, `priority filter;`, `meta l4proto tcp ct original proto-dst 21 ct helper set "ftp-std"`, "-j CT --helper ftp"} {
					if !strings.Contains(a, w) {
						t.Errorf("advice lacks %q: %s", w, a)
					}
				}
				if tc.setting != "vsftpd's pasv_address" && strings.Contains(a, "pasv_address") {
					t.Errorf("advice names vsftpd's setting: %s", a)
				}
				cmds := nftCommands(a)
				if len(cmds) == 0 {
					t.Errorf("advice has no nft '...' command to load: %s", a)
				}
				loads = append(loads, cmds...)
			}
			if len(loads) == 0 {
				t.Fatal("no helper advice to attach the helper")
			}
			t.Run("nft -c", func(t *testing.T) { nftLoads(t, loads) })
		})
	}
}

// nftCommands is the rule text of each nft '...' command in text.
func nftCommands(text string) []string {
	var l []string
	for _, m := range regexp.MustCompile(`nft '([^']*)'`).FindAllStringSubmatch(text, -1) {
		l = append(l, m[1])
	}
	return l
}

// nftLoads checks each of cmds with nft -c (root and nft needed, else
// skipped: CI has both).
func nftLoads(t *testing.T, cmds []string) {
	t.Helper()
	nft, err := exec.LookPath("nft")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("nft -c needs nft installed and root")
	}
	for _, c := range cmds {
		if out, err := exec.Command(nft, "-c", c).CombinedOutput(); err != nil {
			t.Errorf("nft -c refuses %q (%v): %s", c, err, out)
		}
	}
}

// TestHelperDropOfClientPORTAdvisesTheClient guards the helper-drop
// advice of a PORT the client split across segments: the client's PORT
// is to change (or passive mode), not the server's announcement.
func TestHelperDropOfClientPORTAdvisesTheClient(t *testing.T) {
	fs := helperAdviceFindings(t, "helper-split-port-client.pcap", CodeHelperDrop)
	if len(fs) == 0 {
		t.Fatal("no helper-drop finding")
	}
	for _, f := range fs {
		a, _ := f["advice"].(string)
		if strings.Contains(a, "server") || !strings.Contains(a, "client send its PORT/EPRT") || !strings.Contains(a, "passive mode") {
			t.Errorf("helper-drop advice for a client's PORT: %s", a)
		}
	}
}
