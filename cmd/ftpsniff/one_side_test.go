package main

import (
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// oneDirection writes the packets of capture src sent by host from (an
// IPv4 address) to a file in dir: what a SPAN port mirroring one
// direction, or a capture point past asymmetric routing, records.
func oneDirection(t *testing.T, src, from, dir string) string {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r, err := pcapgo.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, filepath.Base(src)+"-from-"+from+".pcap")
	out, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := pcapgo.NewWriter(out)
	if err := w.WriteFileHeader(r.Snaplen(), r.LinkType()); err != nil {
		t.Fatal(err)
	}
	kept := 0
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.NoCopy)
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if ip == nil || ip.SrcIP.String() != from {
			continue
		}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
		kept++
	}
	if kept == 0 {
		t.Fatalf("%s: no packet from %s", src, from)
	}
	return name
}

// TestOneDirectionCaptureIsNoFailure guards captures that hold one side
// of the traffic only: the replies of a server-only capture are the
// replies of commands it does not show (not a greeting sixteen lines
// long), its 227s still announce, and whatever would have crossed the
// missing direction (the client's SYN, the server's answer) is
// undetermined, never a failure with a firewall rule; a client-only
// capture's passive data connections are tied to its PASV/EPSV by the
// peers. Both sides of the same captures read as before.
func TestOneDirectionCaptureIsNoFailure(t *testing.T) {
	const client, server = "10.99.0.2", "10.99.0.1"
	dir := t.TempDir()
	for _, tc := range []struct {
		capture, from string
		side          string         // the session's one_side_captured
		outcomes      map[string]int // data records by outcome
		inferred      bool           // the data connections are inferred (their 227 unseen)
	}{
		{"passive-ftplib-pasv.pcap", server, "server", map[string]int{"transferred": 2}, false},
		{"passive-ftplib-pasv.pcap", client, "client", map[string]int{"transferred": 2}, true},
		// Firewall drops the passive port: from one side it cannot tell.
		{"pasv-drop.pcap", server, "server", map[string]int{"undetermined": 2}, false},
		{"pasv-drop.pcap", client, "client", map[string]int{"undetermined": 1}, true},
		{"pasv-drop.pcap", "", "", map[string]int{"unanswered": 1, "not-attempted": 1}, false},
	} {
		t.Run(tc.capture+"/"+tc.side, func(t *testing.T) {
			file := filepath.Join("../../pcaps/real", tc.capture)
			if tc.from != "" {
				file = oneDirection(t, file, tc.from, dir)
			}
			recs := runJSONRecords(t, []string{"read", "--json", file})
			got := map[string]int{}
			for _, r := range recs {
				switch r["type"] {
				case "session":
					if side, _ := r["one_side_captured"].(string); side != tc.side {
						t.Errorf("session one_side_captured %q, want %q", side, tc.side)
					}
				case "data":
					o, _ := r["outcome"].(string)
					got[o]++
					if m, _ := r["match"].(string); (m == "inferred") != tc.inferred {
						t.Errorf("data #%v match %q, want inferred %v", r["id"], m, tc.inferred)
					}
					if side, _ := r["one_side_captured"].(string); o == "undetermined" && tc.side != "" && side == "" {
						t.Errorf("data #%v undetermined without one_side_captured", r["id"])
					}
				case "finding":
					if tc.side != "" && r["severity"] != "info" {
						t.Errorf("a %v %v finding from a one-direction capture: %v", r["severity"], r["code"], r["message"])
					}
					// USER anonymous with no reply seen is still an
					// anonymous login, not "a user name and its password".
					if msg, _ := r["message"].(string); r["code"] == "cleartext-login" && !strings.Contains(msg, "anonymous login") {
						t.Errorf("cleartext-login for USER anonymous: %q", msg)
					}
				}
			}
			if !maps.Equal(got, tc.outcomes) {
				t.Errorf("data outcomes %v, want %v", got, tc.outcomes)
			}
		})
	}
}
