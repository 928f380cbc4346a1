package diagnose

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The kernel check of nftHelperTable: a client, a NAT router and a server
// in network namespaces; the router DNATs 10.99.1.1:21 to the server,
// drops forwarded connections that are neither to the control port nor
// RELATED, and attaches the helper with the rule ftpsniff prints. A PASV
// transfer works only if the helper saw the control connection. The peers
// are this test binary run again inside the namespaces (helperKernelPeer).

const helperPeerEnv = "FTPSNIFF_HELPER_PEER" // "server PORT" or "client"

// TestHelperKernelPeer is not a test: it is the client or server of
// TestNftHelperRuleOnKernel when run with helperPeerEnv set.
func TestHelperKernelPeer(t *testing.T) {
	role := os.Getenv(helperPeerEnv)
	if role == "" {
		t.Skip("peer of TestNftHelperRuleOnKernel")
	}
	var err error
	if port, ok := strings.CutPrefix(role, "server "); ok {
		err = helperPeerServer(port)
	} else {
		err = helperPeerClient()
	}
	if err != nil {
		fmt.Println("PEER ERROR", err)
		os.Exit(1)
	}
}

// helperPeerServer answers one control connection on port with a 227
// naming its own address 10.99.2.2 and port 40060, and sends one line on
// the data connection if it comes within 4 s.
func helperPeerServer(port string) error {
	ln, err := net.Listen("tcp4", "0.0.0.0:"+port)
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Println("LISTENING")
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(15 * time.Second))
	c, err := ln.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	r := bufio.NewReader(c)
	fmt.Fprint(c, "220 kernel check\r\n")
	for _, reply := range []string{"331 pw\r\n", "230 ok\r\n"} {
		if _, err := r.ReadString('\n'); err != nil {
			return err
		}
		fmt.Fprint(c, reply)
	}
	if _, err := r.ReadString('\n'); err != nil { // PASV
		return err
	}
	dl, err := net.Listen("tcp4", "0.0.0.0:40060")
	if err != nil {
		return err
	}
	defer dl.Close()
	fmt.Fprint(c, "227 Entering Passive Mode (10,99,2,2,156,124).\r\n")
	dl.(*net.TCPListener).SetDeadline(time.Now().Add(4 * time.Second))
	if d, err := dl.Accept(); err == nil {
		fmt.Fprint(d, "hello\r\n")
		d.Close()
		fmt.Println("DATA ACCEPTED")
	} else {
		fmt.Println("DATA NOT ACCEPTED", err)
	}
	r.ReadString('\n') // QUIT
	return nil
}

// helperPeerClient logs in through the router, sends PASV and connects
// where the (possibly rewritten) 227 says.
func helperPeerClient() error {
	c, err := net.DialTimeout("tcp4", "10.99.1.1:21", 4*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	r := bufio.NewReader(c)
	line := ""
	for _, cmd := range []string{"", "USER a\r\n", "PASS b\r\n", "PASV\r\n"} {
		fmt.Fprint(c, cmd)
		if line, err = r.ReadString('\n'); err != nil {
			return err
		}
	}
	fmt.Println("GOT", strings.TrimSpace(line))
	var h [6]int
	i := strings.IndexByte(line, '(')
	if i < 0 {
		return fmt.Errorf("no numbers in %q", line)
	}
	if _, err := fmt.Sscanf(line[i:], "(%d,%d,%d,%d,%d,%d)", &h[0], &h[1], &h[2], &h[3], &h[4], &h[5]); err != nil {
		return err
	}
	to := fmt.Sprintf("%d.%d.%d.%d:%d", h[0], h[1], h[2], h[3], h[4]<<8|h[5])
	d, err := net.DialTimeout("tcp4", to, 4*time.Second)
	if err != nil {
		fmt.Println("DATA FAILED", to, err)
	} else {
		d.Close()
		fmt.Println("DATA CONNECTED", to)
	}
	fmt.Fprint(c, "QUIT\r\n")
	return nil
}

// TestNftHelperRuleOnKernel guards the nft helper rule on a real kernel:
// through a DNAT to another port (10.99.1.1:21 -> 10.99.2.2:2121) and a
// plain one (-> 10.99.2.2:21), the printed rule attaches the helper (the
// 227 is rewritten, the data connection is RELATED); the old "tcp dport
// 21" form fails through the DNAT to another port, which shows the lab
// tells the two apart. Needs root, ip and nft (CI has them).
func TestNftHelperRuleOnKernel(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	ip, err1 := exec.LookPath("ip")
	nft, err2 := exec.LookPath("nft")
	if err1 != nil || err2 != nil || os.Geteuid() != 0 {
		t.Skip("needs root, ip and nft")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	oldRule := strings.Replace(nftHelperTable(21, false), "meta l4proto tcp ct original proto-dst 21", "tcp dport 21", 1)
	for _, tc := range []struct {
		name, rule, serverPort string
		works                  bool
	}{
		{"dnat-other-port", nftHelperTable(21, false), "2121", true},
		{"dnat-same-port", nftHelperTable(21, false), "21", true},
		{"dnat-other-port-tcp-dport", oldRule, "2121", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := helperKernelLab(t, ip, nft, self, tc.rule, tc.serverPort)
			connected := strings.Contains(out, "DATA CONNECTED 10.99.1.1:40060")
			rewritten := strings.Contains(out, "GOT 227 Entering Passive Mode (10,99,1,1,156,124).")
			if connected != tc.works || rewritten != tc.works {
				t.Errorf("rule %s: data connected %v, 227 rewritten %v; want %v\n%s", tc.rule, connected, rewritten, tc.works, out)
			}
		})
	}
}

// helperKernelLab builds the three namespaces, loads the router's rules
// with rule (an "nft '...'" command as printed) and runs one session;
// it returns what the client printed.
func helperKernelLab(t *testing.T, ip, nft, self, rule, serverPort string) string {
	t.Helper()
	tag := fmt.Sprintf("fxh%d", os.Getpid()%100000)
	cli, rtr, srv := tag+"c", tag+"r", tag+"s"
	sh := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(ip, args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	for _, n := range []string{cli, rtr, srv} {
		sh("netns", "add", n)
		t.Cleanup(func() { exec.Command(ip, "netns", "del", n).Run() })
		sh("-n", n, "link", "set", "lo", "up")
	}
	sh("link", "add", tag+"a", "netns", cli, "type", "veth", "peer", "name", tag+"b", "netns", rtr)
	sh("link", "add", tag+"d", "netns", rtr, "type", "veth", "peer", "name", tag+"e", "netns", srv)
	for _, l := range [][2]string{{cli, tag + "a"}, {rtr, tag + "b"}, {rtr, tag + "d"}, {srv, tag + "e"}} {
		sh("-n", l[0], "link", "set", l[1], "up")
	}
	sh("-n", cli, "addr", "add", "10.99.1.2/24", "dev", tag+"a")
	sh("-n", rtr, "addr", "add", "10.99.1.1/24", "dev", tag+"b")
	sh("-n", rtr, "addr", "add", "10.99.2.1/24", "dev", tag+"d")
	sh("-n", srv, "addr", "add", "10.99.2.2/24", "dev", tag+"e")
	sh("-n", cli, "route", "add", "default", "via", "10.99.1.1")
	sh("-n", srv, "route", "add", "default", "via", "10.99.2.1")
	sh("netns", "exec", rtr, "sysctl", "-qw", "net.ipv4.ip_forward=1")

	dnat := "10.99.2.2"
	if serverPort != "21" {
		dnat += ":" + serverPort
	}
	body, ok := strings.CutPrefix(rule, "nft '")
	if !ok {
		t.Fatalf("not an nft command: %s", rule)
	}
	rules := fmt.Sprintf(`table inet fw {
  chain forw { type filter hook forward priority filter; policy drop; ct state established,related accept; tcp dport { 21, 2121 } ct state new accept; }
}
table ip nat {
  chain pre { type nat hook prerouting priority dstnat; policy accept; iifname "%sb" ip daddr 10.99.1.1 tcp dport 21 dnat to %s; }
  chain post { type nat hook postrouting priority srcnat; policy accept; oifname "%sb" masquerade; }
}
%s
`, tag, dnat, tag, strings.TrimSuffix(body, "'"))
	load := exec.Command(ip, "netns", "exec", rtr, nft, "-f", "-")
	load.Stdin = strings.NewReader(rules)
	if out, err := load.CombinedOutput(); err != nil {
		t.Fatalf("nft -f refuses the router's rules (%v): %s\n%s", err, out, rules)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	peer := func(ns, role string) *exec.Cmd {
		c := exec.CommandContext(ctx, ip, "netns", "exec", ns, self, "-test.run=^TestHelperKernelPeer$", "-test.v")
		c.Env = append(os.Environ(), helperPeerEnv+"="+role)
		return c
	}
	server := peer(srv, "server "+serverPort)
	sout, err := server.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	defer server.Wait()
	defer server.Process.Kill()
	sr := bufio.NewScanner(sout)
	for sr.Scan() && !strings.Contains(sr.Text(), "LISTENING") {
	}
	go func() {
		for sr.Scan() {
		}
	}()
	out, err := peer(cli, "client").CombinedOutput()
	if err != nil {
		t.Fatalf("client (%v): %s", err, out)
	}
	return string(out)
}
