package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
)

// TestExtractPassivePortTheftFile guards the file of a transfer another
// host took: 10.9.9.9 connects to the PASV port first, the server refuses
// the client's own SYN with RST, and after RETR and 150 sends the file to
// 10.9.9.9. The file is written as the transfer's (what the other host
// received), not complete, with a reason naming that host, and counted
// once. Before, no file was written, and the transfer was counted twice:
// as bytes before their command and as not reassembled. Both orders of
// the stolen connection's close and the 226.
func TestExtractPassivePortTheftFile(t *testing.T) {
	for _, tc := range []struct {
		name        string
		finAfter226 bool
	}{
		{"close before 226", false},
		{"226 before close", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s := newWireSession(c)
			st := &wireConn{c: c, a: netip.MustParseAddrPort("10.9.9.9:33333"), b: s.data.b, aseq: 11111, bseq: 22222}
			st.handshake()
			k := &s.data
			c.pkt(k.a, k.b, k.aseq, 0, "S", nil)
			c.pkt(k.b, k.a, 0, k.aseq+1, "RA", nil)
			s.cmd("RETR secret.bin")
			s.reply("150 Opening BINARY mode data connection for secret.bin (5400 bytes).")
			body := wireBody(5400)
			st.segments(body, nil)
			if !tc.finAfter226 {
				st.closeFromB()
			}
			s.reply("226 Transfer complete.")
			if tc.finAfter226 {
				st.closeFromB()
			}
			s.quit()
			rec, got, ex := oneFile(t, path)
			if !bytes.Equal(got, body) || rec.Complete || rec.Path != "secret.bin" {
				t.Errorf("file %q %d bytes (equal %v), complete %v; want secret.bin, the 5400 bytes sent, not complete",
					rec.Path, len(got), bytes.Equal(got, body), rec.Complete)
			}
			named := false
			for _, r := range rec.Reasons {
				named = named || strings.Contains(r, "sent to 10.9.9.9, not to the session's client 10.0.0.2")
			}
			if !named {
				t.Errorf("reasons %q; want one naming 10.9.9.9", rec.Reasons)
			}
			if ex.NoCommand != 0 || ex.NotReassembled != 0 {
				t.Errorf("no_command %d, not_reassembled %d; want 0 (the file is written)", ex.NoCommand, ex.NotReassembled)
			}
		})
	}
}

// theftWireSession is newWireSession where 10.9.9.9:33333 connected to
// the PASV port first and the server refused the client's own SYN with
// RST (passive port theft); it returns the session and the other host's
// connection.
func theftWireSession(c *wireCap, i int) (*wireSession, *wireConn) {
	s := newWireSessionN(c, i)
	st := &wireConn{c: c, a: netip.MustParseAddrPort("10.9.9.9:33333"), b: s.data.b, aseq: 11111, bseq: 22222}
	st.handshake()
	k := &s.data
	c.pkt(k.a, k.b, k.aseq, 0, "S", nil)
	c.pkt(k.b, k.a, 0, k.aseq+1, "RA", nil)
	return s, st
}

// TestExtractStolenBytesNotWrittenCounted guards bytes of a stolen
// transfer that cannot go in its file: they are counted
// (stolen_not_written, stolen_not_written_bytes), once per connection.
// The other host's bytes after the 226 (the tracker ends the record at
// the final reply; its connection goes on), and the client's own
// connection's bytes (answered after all, on a SYN sent again) while the
// file holds the other host's. Before, both were dropped uncounted.
func TestExtractStolenBytesNotWrittenCounted(t *testing.T) {
	body := wireBody(5400)
	for _, tc := range []struct {
		name  string
		drive func(c *wireCap, s *wireSession, st *wireConn)
		bytes int64
	}{
		{"other host's bytes after the 226", func(c *wireCap, s *wireSession, st *wireConn) {
			st.segments(body[:3000], nil)
			s.reply("226 Transfer complete.")
			st.segments(body[3000:], nil)
			st.closeFromB()
		}, 2400},
		{"client's own connection while the file is the other host's", func(c *wireCap, s *wireSession, st *wireConn) {
			st.segments(body[:3000], nil)
			k := &s.data
			k.aseq += 5 // a SYN sent again, answered this time
			k.handshake()
			k.segments(body[:2000], nil)
			k.closeFromB()
			st.closeFromB()
			s.reply("226 Transfer complete.")
		}, 2000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s, st := theftWireSession(c, 0)
			s.cmd("RETR secret.bin")
			s.reply("150 Opening BINARY mode data connection for secret.bin (5400 bytes).")
			tc.drive(c, s, st)
			s.quit()
			rec, got, ex := oneFile(t, path)
			if !bytes.Equal(got, body[:3000]) || rec.Complete {
				t.Errorf("file %d bytes (the first 3000 sent: %v), complete %v; want the other host's first 3000 bytes, not complete",
					len(got), bytes.Equal(got, body[:3000]), rec.Complete)
			}
			if ex.StolenNotWritten != 1 || ex.StolenNotWrittenBytes != tc.bytes {
				t.Errorf("stolen_not_written %d (%d bytes); want 1 (%d bytes)", ex.StolenNotWritten, ex.StolenNotWrittenBytes, tc.bytes)
			}
		})
	}
}

// TestExtractStolenRefusedSlotFreed guards a stolen transfer refused an
// open file slot (--extract-max-open 1, another session's file open at
// the other host's SYN): it is counted refused_open, with the bytes the
// other host received in its data record, and the other host's
// connection, chosen for reassembly when decode asked again once the
// slot was free, does not keep the slot for its session's whole life.
// Before, it did, and a later transfer of another session, with no file
// open, was refused too.
func TestExtractStolenRefusedSlotFreed(t *testing.T) {
	c, path := newWireCap(t)
	o := newWireSessionN(c, 1)
	o.cmd("RETR other.bin")
	o.data.handshake()
	o.reply("150 Opening BINARY mode data connection for other.bin (1000 bytes).")
	o.data.segments(wireBody(1000), nil)
	s, st := theftWireSession(c, 0)
	o.data.closeFromB()
	o.reply("226 Transfer complete.")
	s.cmd("RETR secret.bin")
	s.reply("150 Opening BINARY mode data connection for secret.bin (5400 bytes).")
	st.segments(wireBody(5400), nil)
	st.closeFromB()
	s.reply("226 Transfer complete.")
	o.cmd("PASV")
	o.reply("227 Entering Passive Mode (10,0,0,1,156,66).")
	o.data = wireConn{c: c, a: netip.MustParseAddrPort("10.0.0.3:50002"), b: netip.MustParseAddrPort("10.0.0.1:40002"), aseq: 70000, bseq: 90000}
	o.cmd("RETR third.bin")
	o.data.handshake()
	o.reply("150 Opening BINARY mode data connection for third.bin (1000 bytes).")
	o.data.segments(wireBody(1000), nil)
	o.data.closeFromB()
	o.reply("226 Transfer complete.")
	o.quit()
	s.quit()
	files, data, ex, _ := fileRecordsStats(t, path, "--extract-max-open", "1")
	var names []string
	for _, f := range files {
		names = append(names, f.Path)
	}
	if len(files) != 2 || files[0].Path != "other.bin" || files[1].Path != "third.bin" {
		t.Errorf("files %q; want other.bin and third.bin", names)
	}
	if ex.Files.RefusedOpen != 1 || ex.StolenNotWritten != 0 {
		t.Errorf("refused_open %d, stolen_not_written %d; want 1 (secret.bin), 0", ex.Files.RefusedOpen, ex.StolenNotWritten)
	}
	stolen := 0
	for _, d := range data {
		if d.Match == "port-only" && d.Bytes == 5400 {
			stolen++
		}
	}
	if stolen != 1 {
		t.Errorf("data records %+v; want one of the other host's connection, port-only, 5400 bytes", data)
	}
}
