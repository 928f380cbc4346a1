package decode

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestPortOnlyPASVOnlyOnIPv6LastLine guards invented endpoints (lab
// threenc.pcap, mlpasvnc.pcap): ProFTPD writes a 227 holding the port
// alone only on an IPv6 control connection, as the whole reply. Over IPv4,
// "227 Entering Passive Mode (1,144,67)." became an endpoint on the
// control address (and a data-not-attempted warning for a client that
// never connected), and a "(1,139,47)" in a continuation line of a
// multi-line 227 was taken from it. Both are no endpoint again; on IPv6
// the last line's port is read, a continuation line's is not.
func TestPortOnlyPASVOnlyOnIPv6LastLine(t *testing.T) {
	for _, tc := range []struct {
		name, client, server, reply string
		want                        Endpoint
		err                         error
	}{
		{"IPv4 single line", "127.0.0.1:36744", "127.0.0.1:21", "227 Entering Passive Mode (1,144,67).\r\n",
			Endpoint{Via: ftp.ViaPASV}, ftp.ErrNoEndpoint},
		{"IPv4-mapped server", "[::ffff:192.0.2.2]:36744", "[::ffff:192.0.2.1]:21", "227 Entering Passive Mode (1,144,67).\r\n",
			Endpoint{Via: ftp.ViaPASV}, ftp.ErrNoEndpoint},
		{"IPv6 continuation line", "[fd00:99::2]:49022", "[fd00:99::1]:21", "227-Entering Passive Mode\r\n227-note (1,139,47)\r\n227 ok\r\n",
			Endpoint{Via: ftp.ViaPASV}, ftp.ErrNoEndpoint},
		{"IPv6 last line of several", "[fd00:99::2]:49022", "[fd00:99::1]:21", "227-note (1,139,47)\r\n227 Entering Passive Mode (1,156,108).\r\n",
			Endpoint{Via: ftp.ViaPASV, Addr: netip.MustParseAddrPort("[fd00:99::1]:40044"), Form: ftp.FormPortOnly}, nil},
		{"IPv6 single line", "[fd00:99::2]:49022", "[fd00:99::1]:21", "227 Entering Passive Mode (1,156,108).\r\n",
			Endpoint{Via: ftp.ViaPASV, Addr: netip.MustParseAddrPort("[fd00:99::1]:40044"), Form: ftp.FormPortOnly}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stats Stats
			var scratch ControlEvent
			var got []Endpoint
			var errs []error
			var p sessionParser
			p.init(netip.MustParseAddrPort(tc.client), netip.MustParseAddrPort(tc.server), parseFTP, 0, &stats, &scratch, func(e *ControlEvent) {
				if e.Kind == ControlReply && e.Reply.Code == 227 {
					got, errs = append(got, e.Endpoint), append(errs, e.EndpointErr)
				}
			})
			p.syn = [2]bool{true, true}
			p.bytes(dirServer, []byte("220 ProFTPD Server\r\n"), 1, convT0)
			p.bytes(dirClient, []byte("PASV\r\n"), 2, convT0)
			p.bytes(dirServer, []byte(tc.reply), 3, convT0)
			p.end(4, convT0, false)
			if len(got) != 1 {
				t.Fatalf("%d 227 events, want 1: %+v", len(got), got)
			}
			if got[0] != tc.want || errs[0] != tc.err {
				t.Errorf("%+v, %v; want %+v, %v", got[0], errs[0], tc.want, tc.err)
			}
		})
	}
}
