package decode

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestPortOnlyPASVNamesControlAddress guards ProFTPD's 227 on an IPv6
// connection, "(1,156,108)", which names the port alone: its endpoint is
// the control connection's server address on that port (where the
// clients that read it connect), with no error, so that the data
// connection is tied to it.
func TestPortOnlyPASVNamesControlAddress(t *testing.T) {
	client := netip.MustParseAddrPort("[fd00:99::2]:49022")
	server := netip.MustParseAddrPort("[fd00:99::1]:21")
	var stats Stats
	var scratch ControlEvent
	var got []Endpoint
	var errs []error
	var p sessionParser
	p.init(client, server, parseFTP, 0, &stats, &scratch, func(e *ControlEvent) {
		if e.Kind == ControlReply && e.Reply.Code == 227 {
			got, errs = append(got, e.Endpoint), append(errs, e.EndpointErr)
		}
	})
	p.syn = [2]bool{true, true}
	p.bytes(dirServer, []byte("220 ProFTPD Server\r\n"), 1, convT0)
	p.bytes(dirClient, []byte("PASV\r\n"), 2, convT0)
	p.bytes(dirServer, []byte("227 Entering Passive Mode (1,156,108).\r\n"), 3, convT0)
	p.bytes(dirClient, []byte("PASV\r\n"), 4, convT0)
	p.bytes(dirServer, []byte("227 Entering Passive Mode (1,0,0).\r\n"), 5, convT0)
	p.end(6, convT0, false)
	want := []Endpoint{
		{Via: ftp.ViaPASV, Addr: netip.MustParseAddrPort("[fd00:99::1]:40044"), Form: ftp.FormPortOnly},
		{Via: ftp.ViaPASV, Addr: netip.MustParseAddrPort("[fd00:99::1]:0"), Form: ftp.FormPortOnly},
	}
	wantErrs := []error{nil, ftp.ErrPortZero}
	if len(got) != len(want) {
		t.Fatalf("%d 227 events, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] || errs[i] != wantErrs[i] {
			t.Errorf("227 #%d: %+v, %v; want %+v, %v", i+1, got[i], errs[i], want[i], wantErrs[i])
		}
	}
}
