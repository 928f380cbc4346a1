package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// needServerPackage skips when the Debian package pkg is neither
// installed nor known to apt (the lab unpacks it from apt's archive:
// pcaps/record/netlab.sh netlab_unpack).
func needServerPackage(t *testing.T, pkg string) {
	t.Helper()
	if exec.Command("dpkg", "-s", pkg).Run() == nil {
		return
	}
	out, err := exec.Command("apt-cache", "policy", pkg).Output()
	if err != nil || !strings.Contains(string(out), "Candidate:") || strings.Contains(string(out), "Candidate: (none)") {
		t.Skipf("%s is neither installed nor available from apt (run apt-get update)", pkg)
	}
}

// TestLiveServerFamilies runs `ftpsniff live` beside real ProFTPD and
// Pure-FTPd servers (Debian's packages, in the lab's namespaces): a
// passive download works, then a firewall drops the passive range and the
// download's data connection is reported unanswered, with advice that
// names that server's own passive-range setting, never vsftpd's.
func TestLiveServerFamilies(t *testing.T) {
	needLab(t, "real ProFTPD and Pure-FTPd traffic, about 10 s each; skipped with -short", "ip", "nft", "curl", "bash", "apt-get")
	bin := buildFtpsniff(t, t.TempDir())
	for _, tc := range []struct {
		name, pkg, server string
		note, setting     string // in the data-unanswered advice
	}{
		{"ProFTPD", "proftpd-core", "pcaps/record/conf/proftpd-anon.conf", "(ProFTPD's settings, from its greeting.)", "PassivePorts"},
		{"Pure-FTPd", "pure-ftpd", "pure-ftpd", "(Pure-FTPd's settings, from its greeting.)", "PassivePortRange"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			needServerPackage(t, tc.pkg)
			lab := startLabServing(t, tc.server)
			liveBlockedDownload(t, bin, lab, tc.note, tc.setting)
		})
	}
}

// liveBlockedDownload is TestLiveServerFamilies for one lab.
func liveBlockedDownload(t *testing.T, bin string, lab map[string]string, note, setting string) {
	live := startLive(t, bin, lab["NETLAB_SERVER_NS"], false, "--json",
		"-i", lab["NETLAB_SERVER_IF"], "--duration", "40s", "--unanswered-wait", "3s")
	recs := live.recs

	url := "ftp://" + lab["NETLAB_SERVER_IP4"] + "/report.txt"
	curl := func(args ...string) error {
		c := exec.Command("ip", append([]string{"netns", "exec", lab["NETLAB_CLIENT_NS"], "curl", "-sS", "-o", "/dev/null"}, args...)...)
		if out, err := c.CombinedOutput(); err != nil {
			return fmt.Errorf("curl %v: %v: %s", args, err, out)
		}
		return nil
	}
	if err := curl("--connect-timeout", "3", "-m", "10", url); err != nil {
		t.Fatal(err)
	}
	recs.waitFor(t, 5*time.Second, "passive transfer", func(r record) bool {
		return r.Type == "data" && isPassive(r.Via) && r.Outcome == "transferred" && r.Bytes >= 4640
	})

	nft := exec.Command("ip", "netns", "exec", lab["NETLAB_SERVER_NS"], "nft", "-f", "-")
	nft.Stdin = strings.NewReader("table inet ftpsniff_test {\n chain input {\n  type filter hook input priority 0; policy accept;\n  tcp dport 40000-40100 drop\n }\n}\n")
	if out, err := nft.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v: %s", err, out)
	}
	// (-m only guards against a hang: a slow login on a loaded machine
	// must not end curl before its data connect has had its 4 s.)
	if err := curl("--connect-timeout", "4", "-m", "30", url); err == nil {
		t.Fatal("curl got the file through a firewall that drops the passive range")
	}
	recs.waitFor(t, 8*time.Second, "unanswered data connection", func(r record) bool {
		return r.Type == "data" && isPassive(r.Via) && r.Outcome == "unanswered"
	})
	// The finding comes with the data record, before or after it.
	var f record
	for _, r := range recs.all() {
		if r.Type == "finding" && r.Code == "data-unanswered" {
			f = r
		}
	}
	if f.Type == "" {
		t.Fatal("no data-unanswered finding came with the unanswered data connection")
	}
	if !strings.Contains(f.Advice, note) || !strings.Contains(f.Advice, setting) || strings.Contains(f.Advice, "pasv_min_port") {
		t.Errorf("data-unanswered advice %q\nwant it to name %s and say %s, not vsftpd's settings", f.Advice, setting, note)
	}
	live.cmd.Process.Signal(os.Interrupt)
	select {
	case <-live.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("ftpsniff did not exit after SIGINT")
	}
}
