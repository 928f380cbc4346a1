package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestTunnelledSessionSaysSoAndHedgesBounce: a VXLAN packet stream from
// the sender's own address (198.51.100.66) to any host, carrying a
// made-up FTP session whose PORT names 10.9.9.9:25 (rev-attack3,
// pcaps/hostile/attack/g_vxfake.py), gave ftp-bounce and the verdict "a
// client used this server for an FTP bounce", with no word of the tunnel.
// The session now names the tunnel and its outer addresses (text header,
// JSON fields) as information, and, one sender having made both sides,
// the bounce finding and the verdict name that sender for the admin to
// check against their mirror or tap (a cloud mirror has this shape).
func TestTunnelledSessionSaysSoAndHedgesBounce(t *testing.T) {
	out := readAttack(t, "vxlan_fabricated_bounce.pcap")
	for _, want := range []string{
		"inside a tunnel (VXLAN), outer 198.51.100.66 -> 203.0.113.250 (the client's packets and the server's alike) user ",
		"warning ftp-bounce",
		"Seen only inside VXLAN from 198.51.100.66: if that is not your mirror or tap, the packets may be forged.",
		"see the ftp-bounce finding; that session was seen only inside a tunnel: if its sender is not your mirror or tap",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	js := readAttack(t, "vxlan_fabricated_bounce.pcap", "--json")
	for _, want := range []string{`"tunnel":"VXLAN"`, `"tunnel_client_outer_src":"198.51.100.66"`, `"tunnel_server_outer_src":"198.51.100.66"`, `"tunnel_accusations_hedged":true`} {
		if !strings.Contains(js, want) {
			t.Errorf("no %s in the JSON:\n%s", want, js)
		}
	}
}

// TestFabricTunnelNotHedged: the same session as a monitored VXLAN
// fabric carries it, each side's packets from its own tunnel endpoint to
// the other's (g_vxfabric.py): the tunnel is named, the bounce stands
// unhedged.
func TestFabricTunnelNotHedged(t *testing.T) {
	out := readAttack(t, "vxlan_fabric_bounce.pcap")
	if want := "inside a tunnel (VXLAN), outer 192.0.2.11 -> 192.0.2.22 (the client's packets), 192.0.2.22 -> 192.0.2.11 (the server's)"; !strings.Contains(out, want) {
		t.Errorf("no %q in:\n%s", want, out)
	}
	if !strings.Contains(out, "warning ftp-bounce") || strings.Contains(out, "may be forged") {
		t.Errorf("a fabric's tunnel hedged, or the bounce gone:\n%s", out)
	}
}

// TestMirrorSessionNotDoubted: a cloud mirror (AWS VPC Traffic
// Mirroring, Azure vTAP) carries both sides inside VXLAN from one mirror
// source (172.31.0.5) to the collector: every session's header said it
// "may be made up". The header names the tunnel as information only.
func TestMirrorSessionNotDoubted(t *testing.T) {
	out := readAttack(t, "brute_awsmirror.pcap")
	if !strings.Contains(out, "inside a tunnel (VXLAN), outer 172.31.0.5 -> 172.31.0.9 (the client's packets and the server's alike) user ") {
		t.Errorf("tunnel not named:\n%s", out)
	}
	if strings.Contains(out, "made up") || strings.Contains(out, "unverified") {
		t.Errorf("a mirror's session doubted:\n%s", out)
	}
}

// TestBruteForceInTunnelHedged guards the accusation raised while the
// session is open (login-brute-force at the fifth 530, before the close
// hands the tunnel over): one sender carried both sides inside VXLAN, as
// a mirror does and as a forger would, so the accusation and its drop
// rule say what the capture cannot verify.
func TestBruteForceInTunnelHedged(t *testing.T) {
	out := flat(readAttack(t, "brute_awsmirror.pcap"))
	i := strings.Index(out, "warning login-brute-force")
	if i < 0 {
		t.Fatalf("no login-brute-force:\n%s", out)
	}
	if f := out[i:min(len(out), i+600)]; !strings.Contains(f, "Seen only inside VXLAN from 172.31.0.5: if that is not your mirror or tap") {
		t.Errorf("login-brute-force not hedged:\n%s", f)
	}
	if plain := flat(readAttack(t, "brute_plain.pcap")); strings.Contains(plain, "Seen only inside") {
		t.Errorf("plain capture hedged:\n%s", plain)
	}
}

// TestBruteForceHedgeWeighsEverySession: four failed logins forged
// inside VXLAN from the sender's own address, naming a client, and one
// of that client's own, plain (pcaps/hostile/attack/tunnel_frame.py):
// the count of five rests on the forged ones whichever came fifth, so
// the accusation, its fix and the server's verdict are hedged alike.
// Before, only the session of the fifth failure was looked at: forged
// ones first gave an unhedged accusation with its drop rule (rt-d).
func TestBruteForceHedgeWeighsEverySession(t *testing.T) {
	for _, name := range []string{"frame_tunnelfirst.pcap", "frame_plainfirst.pcap"} {
		out := readAttack(t, name)
		for _, want := range []string{
			"4 of these 5 failures were seen only inside VXLAN from 198.51.100.66, and the others alone do not show guessing",
			"fix: Check first that VXLAN from 198.51.100.66 is your mirror or tap",
			"verdict: a client is guessing passwords (see login-brute-force); the data connections are not the problem; the failures it rests on were seen only inside a tunnel",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: no %q in:\n%s", name, want, out)
			}
		}
		if n := strings.Count(out, "warning login-brute-force:"); n != 1 {
			t.Errorf("%s: %d login-brute-force warnings, want 1:\n%s", name, n, out)
		}
	}
}

// TestBruteForceUnhedgedOnPlainEvidence: the four forged failures, then
// five of the client's own, plain: hedged at the fifth failure, and
// raised again, unhedged, once the plain ones alone show guessing,
// saying how many came through the tunnel; the verdict then stands.
func TestBruteForceUnhedgedOnPlainEvidence(t *testing.T) {
	out := readAttack(t, "frame_plainenough.pcap", "--summary")
	for _, want := range []string{
		"warning login-brute-force in session 5: Password guessing from 203.0.113.9: 5 failed logins",
		"4 of these 5 failures were seen only inside VXLAN from 198.51.100.66",
		"warning login-brute-force in session 9: Password guessing from 203.0.113.9: 9 failed logins for 1 user within 2.507s. Later failures from this address are counted in the server summary, not reported again. (4 of these failures were seen only inside VXLAN from 198.51.100.66; the other 5 show guessing without them.)",
		"verdict: a client is guessing passwords (see login-brute-force); the data connections are not the problem logins:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// TestTunnelHedgeKeptAfterPlain: one session failing six logins inside
// VXLAN from one sender, then going on outside it: the accusation was
// hedged when raised, and the session's own reading (its JSON
// tunnel_accusations_hedged, its transcript) stays the finding's, not
// withdrawn by the later plain packets.
func TestTunnelHedgeKeptAfterPlain(t *testing.T) {
	out := readAttack(t, "frame_thenplain.pcap")
	if !strings.Contains(out, "Seen only inside VXLAN from 198.51.100.66: if that is not your mirror or tap") {
		t.Errorf("login-brute-force not hedged:\n%s", out)
	}
	if js := readAttack(t, "frame_thenplain.pcap", "--json"); !strings.Contains(js, `"tunnel_plain_packets":10,"tunnel_accusations_hedged":true`) {
		t.Errorf("session's JSON not hedged as its finding is:\n%s", js)
	}
}

// TestTunnelLineWrapped: the line naming a session's tunnel and its outer
// addresses is wrapped to the width like the other long lines (it ran to
// 130 columns and more), its continuation indented under it, and never
// breaks an "A -> B" pair of outer addresses.
func TestTunnelLineWrapped(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--color", "never", "../../pcaps/synthetic/tunnels.pcapng"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(stdout.String(), "\n")
	seen := 0
	for i, l := range lines {
		if !strings.HasPrefix(l, "  inside a tunnel (") {
			continue
		}
		seen++
		block := []string{l}
		for _, c := range lines[i+1:] {
			if !strings.HasPrefix(c, "    ") || strings.HasPrefix(strings.TrimSpace(c), "+") {
				break
			}
			block = append(block, c)
		}
		for _, b := range block {
			if columns(b) > defaultWidth {
				t.Errorf("tunnel line of %d columns, over %d: %q", columns(b), defaultWidth, b)
			}
			if f := strings.Fields(b); f[0] == "->" || f[len(f)-1] == "->" {
				t.Errorf("an outer address pair broken at %q", b)
			}
		}
		if len(block) < 2 {
			t.Errorf("a tunnel line with both sides' outer addresses not wrapped: %q", block)
		}
	}
	if seen == 0 {
		t.Fatalf("no tunnel line in:\n%s", stdout.String())
	}
}
