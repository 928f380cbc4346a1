package main

import (
	"bytes"
	"strings"
	"testing"
)

// readAttack runs ftpsniff read with args on pcaps/hostile/attack/name
// (generator: adv.py there) and returns its standard output, its lines
// joined and its runs of spaces one (the findings wrap).
func readAttack(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	argv := append([]string{"read", "--color", "never"}, args...)
	argv = append(argv, "../../pcaps/hostile/attack/"+name)
	if code := run(argv, &stdout, &stderr); code != 0 {
		t.Fatalf("%s: exit %d: %s", name, code, stderr.String())
	}
	return strings.Join(strings.Fields(stdout.String()), " ")
}

// TestPassiveThirdHostNotCalledPublic: a 227 naming 192.0.2.99:445 to a
// client on the server's own network, the client's SYNs there unanswered:
// nothing shows 192.0.2.99 to be the server's public address, so it is not
// called that; the finding says it may be another host's, and port 445,
// where no server listens for passive data, is a warning of its own.
// Before, nat-mismatch said "announces the public address 192.0.2.99" and
// the verdict blamed the router's NAT loopback; port 445 went unflagged.
func TestPassiveThirdHostNotCalledPublic(t *testing.T) {
	out := readAttack(t, "adv_pasv_third_445.pcap")
	for _, bad := range []string{"announces the public address 192.0.2.99", "the server announces its public address"} {
		if strings.Contains(out, bad) {
			t.Errorf("says %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{"or another host's", "warning passive-privileged-port: The server's PASV names privileged port 445 of 192.0.2.99"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// TestPassivePrivilegedPortFlagged: a 227 or a 229 naming the server's
// port 22 is a warning, as a PORT naming a privileged port is. Before,
// only the firewall was blamed for the unanswered SYNs.
func TestPassivePrivilegedPortFlagged(t *testing.T) {
	for name, via := range map[string]string{"adv_pasv_own_22.pcap": "PASV", "adv_epsv_22.pcap": "EPSV"} {
		out := readAttack(t, name)
		if want := "warning passive-privileged-port: The server's " + via + " names privileged port 22 of the"; !strings.Contains(out, want) {
			t.Errorf("%s: no %q in:\n%s", name, want, out)
		}
	}
}

// TestBroadcastAnnouncementNotPublic: a 227 naming 255.255.255.255 names
// an address no client can connect to, nobody's public address. Before,
// nat-mismatch said the server "announces the public address
// 255.255.255.255" and advised NAT loopback.
func TestBroadcastAnnouncementNotPublic(t *testing.T) {
	out := readAttack(t, "adv_pasv_broadcast.pcap")
	if strings.Contains(out, "public address 255.255.255.255") || strings.Contains(out, "NAT loopback") {
		t.Errorf("255.255.255.255 taken for a public address:\n%s", out)
	}
	if want := "announces 255.255.255.255, the limited broadcast address, which no client can connect to"; !strings.Contains(out, want) {
		t.Errorf("no %q in:\n%s", want, out)
	}
}

// TestEPSVAddressIgnored: a 229 that fills in the address field
// (|1|203.0.113.50|40000|) announces the control connection's address
// with its port (RFC 2428), which the client connected to. Before, the
// endpoint was 203.0.113.50:40000, beside a finding about 10.2.0.9:40000.
func TestEPSVAddressIgnored(t *testing.T) {
	out := readAttack(t, "adv_epsv_with_addr.pcap")
	if strings.Contains(out, "203.0.113.50:40000") {
		t.Errorf("the 229's address used:\n%s", out)
	}
	if want := "data #1 EPSV 10.2.0.9:40000 unanswered"; !strings.Contains(out, want) {
		t.Errorf("no %q in:\n%s", want, out)
	}
}

// TestHelperBounceRefusalIsInfo: with --helper linux, the helper's
// refusal of a PORT naming a third host (an FTP bounce) is what should
// happen: info, with no advice to make the client announce "its own
// address" or use passive mode (which would make the bounce work). Before,
// helper-would-block was an error, helper-no-expectation a warning, both
// with that advice.
func TestHelperBounceRefusalIsInfo(t *testing.T) {
	out := readAttack(t, "adv_port_third.pcap", "--helper", "linux")
	for _, bad := range []string{"error helper-would-block", "warning helper-no-expectation", "make the client announce its own address"} {
		if strings.Contains(out, bad) {
			t.Errorf("says %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{"info helper-would-block", "info helper-no-expectation", "as it should"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}
