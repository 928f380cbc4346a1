package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
)

// TestWriteKeepsIPFragments: a chosen session whose 227 or data came in
// IP fragments (plain, and in tunnels whose outer or inner header was
// fragmented) is written with every fragment, not only the one that
// completed the datagram: read back, it shows the same commands,
// endpoints and data outcomes. From a file (two passes) and from a pipe
// (one pass, where the fragments have gone by before their datagram
// shows its session).
func TestWriteKeepsIPFragments(t *testing.T) {
	for _, name := range []string{"../../pcaps/synthetic/fragments.pcap", "../../pcaps/synthetic/tunnels-fragmented.pcapng"} {
		all := carveRecords(t, name)
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range all {
			if r["type"] != "session" {
				continue
			}
			id := r["id"].(float64)
			for _, pipe := range []bool{false, true} {
				out := filepath.Join(t.TempDir(), "s.pcapng")
				args := []string{"read", "--json", "--session", formatID(id), "--write", out, name}
				if pipe {
					args[len(args)-1] = "-"
					rd, w, err := os.Pipe()
					if err != nil {
						t.Fatal(err)
					}
					go func() {
						w.Write(raw)
						w.Close()
					}()
					saved := os.Stdin
					os.Stdin = rd
					defer func() { os.Stdin = saved; rd.Close() }()
				}
				var stdout, stderr bytes.Buffer
				if code := run(args, &stdout, &stderr); code != 0 {
					t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
				}
				carved := carveRecords(t, out)
				var ids []float64
				for _, c := range carved {
					if c["type"] == "session" {
						ids = append(ids, c["id"].(float64))
					}
				}
				if len(ids) != 1 {
					t.Fatalf("%s session %v (pipe %v): the carved file holds %d sessions", name, id, pipe, len(ids))
				}
				if g, w := sessionView(carved, ids[0]), sessionView(all, id); !reflect.DeepEqual(g, w) {
					t.Errorf("%s session %v (pipe %v) read from the carved file differs:\n got %v\nwant %v", name, id, pipe, g, w)
				}
			}
		}
	}
}

// TestFragmentHoldBounded: the copies of fragments waiting for their
// datagram stay within maxHeldFragments and maxHeldFragmentBytes; one
// pushed out and then asked for by a written datagram is counted lost,
// and copies older than heldFragmentAge go.
func TestFragmentHoldBounded(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pkt := func(n int, at time.Time) heldPacket {
		return heldPacket{data: make([]byte, n), ci: gopacket.CaptureInfo{Timestamp: at}}
	}
	var h fragmentHold
	for i := range maxHeldFragments + 10 {
		h.add(0, uint64(i+1), pkt(100, t0))
	}
	if len(h.list) != maxHeldFragments || h.bytes != maxHeldFragments*100 {
		t.Fatalf("%d copies of %d bytes held, want %d", len(h.list), h.bytes, maxHeldFragments)
	}
	var emitted []uint64
	emit := func(p heldPacket) { emitted = append(emitted, uint64(len(p.data))) }
	h.take(0, []uint64{1, 11, 12}, true, emit) // 1 was pushed out
	if h.lost != 1 || len(emitted) != 2 {
		t.Errorf("lost %d, emitted %d; want 1 and 2", h.lost, len(emitted))
	}
	h.take(0, []uint64{13}, false, emit) // a datagram not written: dropped, not lost
	if h.lost != 1 || len(emitted) != 2 || len(h.list) != maxHeldFragments-3 {
		t.Errorf("dropping: lost %d, emitted %d, held %d", h.lost, len(emitted), len(h.list))
	}
	h.add(0, 5000, pkt(maxHeldFragmentBytes/2, t0.Add(2*heldFragmentAge)))
	h.add(0, 5001, pkt(maxHeldFragmentBytes/2+1, t0.Add(2*heldFragmentAge)))
	if h.bytes > maxHeldFragmentBytes {
		t.Errorf("%d bytes held, bound %d", h.bytes, maxHeldFragmentBytes)
	}
	if len(h.list) != 1 || h.list[0].num != 5001 {
		t.Errorf("past the byte bound %d copies held, want only the newest", len(h.list))
	}
	var aging fragmentHold
	aging.add(0, 1, pkt(10, t0))
	aging.add(0, 2, pkt(10, t0.Add(heldFragmentAge)))
	aging.expire(t0.Add(heldFragmentAge + time.Second))
	if len(aging.list) != 1 || aging.list[0].num != 2 || aging.bytes != 10 {
		t.Errorf("after expiry %d copies (%d bytes) held, want the younger only", len(aging.list), aging.bytes)
	}
}

// TestFragmentHoldKeyedByInput: packet numbers start again in each input,
// so a fragment is taken only from the input its datagram completed in: a
// held fragment of another file with the same number (another host's
// bytes, in a review: a password) is not written, and the datagram's own,
// missing, is counted lost.
func TestFragmentHoldKeyedByInput(t *testing.T) {
	var h fragmentHold
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h.add(0, 16, heldPacket{data: []byte("PASS foreign"), ci: gopacket.CaptureInfo{Timestamp: t0}})
	var emitted [][]byte
	h.take(1, []uint64{16}, true, func(p heldPacket) { emitted = append(emitted, p.data) })
	if len(emitted) != 0 || h.lost != 1 || len(h.list) != 1 {
		t.Errorf("emitted %q, lost %d, held %d; want nothing, 1, 1", emitted, h.lost, len(h.list))
	}
}
