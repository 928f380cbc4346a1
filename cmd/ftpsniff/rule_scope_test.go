package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// readOut is what read prints for capture with args (JSON: every advice
// and rule on one line, unwrapped).
func readOut(t *testing.T, capture string, args ...string) string {
	t.Helper()
	path := "../../pcaps/" + capture
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s absent", path)
	}
	var stdout, stderr bytes.Buffer
	if c := run(append(append([]string{"read", "--json"}, args...), path), &stdout, &stderr); c != exitOK {
		t.Fatalf("exit %d: %s", c, stderr.String())
	}
	return stdout.String()
}

// TestDNATRulesAlwaysNameThePublicAddress guards every DNAT ftpsniff
// prints: a prerouting DNAT of no address also catches the connections
// the hosts behind the router open to those ports anywhere (a LAN host's
// connection to an outside :40050 went to the FTP server). With
// --pasv-range or --public-address the rule lost its address; it names
// --public-address's, else the router's public address as a placeholder:
// seen from behind the NAT, the public address in the 227 may be a wrong
// or stale one, which no capture there can check.
func TestDNATRulesAlwaysNameThePublicAddress(t *testing.T) {
	unscoped := regexp.MustCompile(`nat prerouting tcp dport|-t nat -A PREROUTING -p`)
	for _, tc := range []struct {
		capture string
		args    []string
		want    string
	}{
		{"synthetic/pasv-unreached-server-side.pcap", nil, "prerouting ip daddr <router's public address> tcp dport"},
		{"synthetic/pasv-unreached-server-side.pcap", []string{"--pasv-range", "40000-40100"}, "prerouting ip daddr <router's public address> tcp dport 40000-40100 dnat to 10.0.0.5"},
		{"synthetic/pasv-unreached-server-side.pcap", []string{"--public-address", "198.51.100.7"}, "prerouting ip daddr 198.51.100.7 tcp dport 40000-40100 dnat to 10.0.0.5"},
	} {
		out := readOut(t, tc.capture, tc.args...)
		if m := unscoped.FindString(out); m != "" {
			t.Errorf("%s %v: a DNAT of no address (%q)", tc.capture, tc.args, m)
		}
		if !strings.Contains(out, tc.want) {
			t.Errorf("%s %v: no %q", tc.capture, tc.args, tc.want)
		}
	}
}

// TestNotAttemptedAdviceNamesThePassiveRange guards the advice for a
// passive endpoint nobody connected to whose announced address is wrong:
// the port one session drew changes every session, so the router must
// let the passive range through, not that port. (A 0.0.0.0 announced to
// a client of the server's own network, pasv-zero-proftpd.pcap, names no
// router at all: TestNotAttemptedAtUnusableAddressBlamesNoRouter.)
func TestNotAttemptedAdviceNamesThePassiveRange(t *testing.T) {
	out := readOut(t, "real/proftpd-nat-no-masquerade-server.pcap")
	if strings.Contains(out, "let port 40091 through") {
		t.Error("advice opens the one port this session drew")
	}
	if !strings.Contains(out, "let the server's whole passive range (port 40091 is the one this session was given") {
		t.Error("advice does not name the passive range")
	}
	out = readOut(t, "real/proftpd-nat-no-masquerade-server.pcap", "--pasv-range", "40000-40100")
	if !strings.Contains(out, "let the passive range 40000-40100 through") {
		t.Error("advice does not name the known passive range")
	}
	if out := readOut(t, "real/pasv-zero-proftpd.pcap"); strings.Contains(out, "let port 40070 through") || strings.Contains(out, "passive range (port 40070") {
		t.Error("advice opens a port on a router for 0.0.0.0 announced on the server's own network")
	}
}

// TestInRangeDNATClauseNamesNoInputRule guards the advice for a port
// inside the range meant to be open: the rule after "a DNAT in front
// forwards the whole range" was the server's input accept, which reads
// as the DNAT to add.
func TestInRangeDNATClauseNamesNoInputRule(t *testing.T) {
	out := readOut(t, "real/pasv-outside-range.pcap", "--server-config", "../../pcaps/record/conf/pasv-outside-range.conf")
	if regexp.MustCompile(`DNAT in front[^.]*: nft insert rule inet filter input`).MatchString(out) {
		t.Error("the DNAT clause is followed by an input-chain accept")
	}
	if !strings.Contains(out, "nft insert rule inet filter input tcp dport 50000-50100 ct state new accept; and check that a DNAT in front, if any, forwards the whole range to the server") {
		t.Error("the input rule and the DNAT check are not each in their place")
	}
}

// TestLooseAdviceSaysItsScope guards the advice to set nf_conntrack_ftp
// loose=1: a module parameter, it holds for the whole kernel, and lets the
// helper expect data connections at any address a 227 or PORT names.
func TestLooseAdviceSaysItsScope(t *testing.T) {
	out := readOut(t, "synthetic/iis-nat.pcap", "--helper", "linux")
	if !strings.Contains(out, "parameters/loose") {
		t.Skip("no loose advice in this capture")
	}
	for _, m := range regexp.MustCompile(`parameters/loose[^)]*\)`).FindAllString(out, -1) {
		if !strings.Contains(m, "kernel-wide") || !strings.Contains(m, "any address") {
			t.Errorf("loose=1 advice without its scope: %s", m)
		}
	}
}

// TestEPSVFallbackAdviceChangesLftp guards the client advice to use PASV:
// lftp's ftp:prefer-epsv is no by default, so "set ftp:prefer-epsv no"
// alone changes nothing; the advice says lftp uses PASV already.
func TestEPSVFallbackAdviceChangesLftp(t *testing.T) {
	out := readOut(t, "synthetic/epsv-filtered.pcap")
	if strings.Contains(out, "lftp set ftp:prefer-epsv no,") || strings.Contains(out, "lftp set ftp:prefer-epsv no)") {
		t.Error("advice sets lftp's default as the change")
	}
	if !strings.Contains(out, "lftp uses") {
		t.Error("advice does not say lftp uses PASV already")
	}
}

// TestIPv6RejectAdviceNamesICMPv6 guards the reject rule named for an
// ICMPv6 administratively-prohibited: an IPv6 firewall rejects with
// icmpv6 (ip6tables icmp6-adm-prohibited, nft icmpv6 admin-prohibited),
// not "icmp admin-prohibited".
func TestIPv6RejectAdviceNamesICMPv6(t *testing.T) {
	out := readOut(t, "real/pasv-reject-icmp6.pcap", "--pasv-range", "40000-40100")
	if strings.Contains(out, "reject with icmp admin-prohibited") {
		t.Error("IPv6 reject named as icmp")
	}
	if !strings.Contains(out, "--reject-with icmp6-adm-prohibited, or nft reject with icmpv6 type admin-prohibited, on fd00:99::1") {
		t.Error("IPv6 reject not named in ip6tables' and nft's words")
	}
}
