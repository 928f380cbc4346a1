package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// TestLiveWorkersIntegration runs `ftpsniff live --workers 2` on the
// server side of a real lab (vsftpd, curl in network namespaces): clients
// at several addresses, chosen so that the fanout program sends some to
// each worker, download a file at the same time in passive and in active
// mode. Every session must be reported once, with its data connection;
// each worker's socket must have received packets; the --write file,
// written from both sockets, must tell the same story when read back.
func TestLiveWorkersIntegration(t *testing.T) {
	needLab(t, "real traffic in namespaces; skipped with -short", "ip", "vsftpd", "curl", "bash")
	dir := t.TempDir()
	bin := buildFtpsniff(t, dir)
	lab := startLab(t)
	server := netip.MustParseAddr(lab["NETLAB_SERVER_IP4"])

	// Client addresses: three that the fanout program gives worker 0 and
	// three it gives worker 1 (the choice is fixed: the hash is).
	sel, err := capture.NewFanoutSelector(capture.FrameEthernet)
	if err != nil {
		t.Fatal(err)
	}
	clients := map[netip.Addr]int{}
	per := [2]int{}
	base := netip.MustParseAddr(lab["NETLAB_CLIENT_IP4"]).As4()
	for host := 10; host < 250 && len(clients) < 6; host++ {
		a := netip.AddrFrom4([4]byte{base[0], base[1], base[2], byte(host)})
		w := sel.Worker(tcpFrame(t, a, server), 2)
		if per[w] < 3 {
			per[w]++
			clients[a] = w
		}
	}
	if len(clients) != 6 {
		t.Fatalf("found client addresses for workers %v only", per)
	}
	for a := range clients {
		if out, err := exec.Command("ip", "-n", lab["NETLAB_CLIENT_NS"], "addr", "add", a.String()+"/24", "dev", lab["NETLAB_CLIENT_IF"]).CombinedOutput(); err != nil {
			t.Fatalf("ip addr add %s: %v: %s", a, err, out)
		}
	}

	records := filepath.Join(dir, "records.json")
	pcapng := filepath.Join(dir, "live.pcapng")
	cmd := exec.Command("ip", "netns", "exec", lab["NETLAB_SERVER_NS"], bin, "live", "--json", "--workers", "2",
		"-i", lab["NETLAB_SERVER_IF"], "--duration", "60s", "-w", pcapng, "-o", records)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var exitErr error
	go func() { exitErr = cmd.Wait(); close(exited) }()
	defer func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	}()
	waitDropped(t, cmd.Process.Pid, exited, &stderr)

	url := "ftp://" + server.String() + "/report.txt"
	var wg sync.WaitGroup
	errs := make(chan error, len(clients))
	active := map[netip.Addr]bool{}
	i := 0
	for a := range clients {
		args := []string{"netns", "exec", lab["NETLAB_CLIENT_NS"], "curl", "-sS", "-o", "/dev/null", "--connect-timeout", "5", "-m", "20", "--interface", a.String()}
		if i%2 == 1 {
			args = append(args, "-P", a.String()) // active mode: the server connects back to a
			active[a] = true
		}
		i++
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := exec.Command("ip", append(args, url)...).CombinedOutput(); err != nil {
				errs <- fmt.Errorf("curl from %s: %v: %s", a, err, out)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The sessions end with the FIN of QUIT; give the capture a moment to
	// read them, then stop it as a user would.
	time.Sleep(time.Second)
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
		if exitErr != nil {
			t.Fatalf("ftpsniff live --workers 2: %v\n%s", exitErr, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ftpsniff did not exit after SIGINT")
	}

	b, err := os.ReadFile(records)
	if err != nil {
		t.Fatal(err)
	}
	type rec struct {
		Type       string `json:"type"`
		ID         int    `json:"id"`
		Session    int    `json:"session"`
		Client     string `json:"client"`
		Server     string `json:"server"`
		Via        string `json:"via"`
		Outcome    string `json:"outcome"`
		Bytes      int64  `json:"bytes"`
		Sessions   int    `json:"sessions"`
		Interfaces []struct {
			Name     string `json:"name"`
			Worker   *int   `json:"worker"`
			Received uint64 `json:"received"`
			Dropped  uint64 `json:"dropped"`
		} `json:"interfaces"`
	}
	sessionOf := map[int]netip.Addr{}
	var data []rec
	var capRec, summary *rec
	for n, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r rec
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d of --output is not one JSON record: %q", n+1, l)
		}
		switch r.Type {
		case "session":
			if _, dup := sessionOf[r.ID]; dup {
				t.Errorf("session %d reported twice", r.ID)
			}
			ap, err := netip.ParseAddrPort(r.Client)
			if err != nil {
				t.Fatalf("session client %q", r.Client)
			}
			sessionOf[r.ID] = ap.Addr()
		case "data":
			data = append(data, r)
		case "capture":
			capRec = &r
		case "summary":
			summary = &r
		}
	}
	seen := map[netip.Addr]int{}
	for _, a := range sessionOf {
		seen[a]++
	}
	for a := range clients {
		if seen[a] != 1 {
			t.Errorf("client %s: %d sessions reported, want 1", a, seen[a])
		}
	}
	if len(sessionOf) != len(clients) {
		t.Errorf("%d sessions reported, want %d", len(sessionOf), len(clients))
	}
	transferred := map[netip.Addr]int{}
	for _, d := range data {
		a, ok := sessionOf[d.Session]
		if !ok {
			t.Errorf("data record of session %d, which has no session record", d.Session)
			continue
		}
		wantVia := isPassive(d.Via)
		if active[a] {
			wantVia = d.Via == "PORT" || d.Via == "EPRT"
		}
		if d.Outcome == "transferred" && d.Bytes >= 4640 && wantVia {
			transferred[a]++
		}
	}
	for a := range clients {
		if transferred[a] != 1 {
			t.Errorf("client %s (active %v): %d transferred data connections, want 1; data records %+v", a, active[a], transferred[a], data)
		}
	}
	if summary == nil || summary.Sessions != len(clients) {
		t.Errorf("summary: %+v, want %d sessions", summary, len(clients))
	}
	if capRec == nil || len(capRec.Interfaces) != 2 {
		t.Fatalf("capture record: %+v, want one entry per socket", capRec)
	}
	for i, s := range capRec.Interfaces {
		if s.Worker == nil || *s.Worker != i || s.Name != lab["NETLAB_SERVER_IF"] || s.Received == 0 {
			t.Errorf("capture record, socket %d: %+v (worker %v), want worker %d with packets", i, s, s.Worker, i)
		}
	}

	// The --write file holds both sockets' packets: one interface block
	// each; read back, the same sessions and transfers.
	out, err := exec.Command(bin, "read", "--json", pcapng).Output()
	if err != nil {
		t.Fatalf("ftpsniff read %s: %v", pcapng, err)
	}
	sessions, moved := 0, 0
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r rec
		if json.Unmarshal([]byte(l), &r) != nil {
			continue
		}
		switch {
		case r.Type == "session":
			sessions++
		case r.Type == "data" && r.Outcome == "transferred":
			moved++
		}
	}
	if sessions != len(clients) || moved != len(clients) {
		t.Errorf("read of the --write file: %d sessions, %d transferred, want %d of each", sessions, moved, len(clients))
	}
}

// tcpFrame is an Ethernet frame of a TCP segment from a to b, for the
// fanout selector.
func tcpFrame(t *testing.T, a, b netip.Addr) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: a.AsSlice(), DstIP: b.AsSlice()}
	tcp := &layers.TCP{SrcPort: 40000, DstPort: 21, SYN: true}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, eth, ip, tcp); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
