package main

import (
	"net/netip"
	"strings"
	"testing"
)

// ftpsAlertCapture writes an FTPS session (AUTH TLS, 234, TLS records)
// whose one data connection, opened while the control channel is
// encrypted, carries a single plaintext TLS alert record and no hello,
// from the FTP server (fromServer) or the FTP client, in passive or
// active mode.
func ftpsAlertCapture(t *testing.T, active, fromServer bool) string {
	t.Helper()
	cli := netip.MustParseAddrPort("192.0.2.50:40000")
	srv := netip.MustParseAddrPort("198.51.100.10:21")
	c, path := newWireCap(t)
	ctl := tlsControl(c, cli, srv, "220 ProFTPD Server ready", "234 AUTH TLS successful")
	ftpClient := netip.MustParseAddrPort("192.0.2.50:50001")
	ftpServer := netip.MustParseAddrPort("198.51.100.10:40001")
	if active {
		ftpServer = netip.MustParseAddrPort("198.51.100.10:20")
	}
	d := &wireConn{c: c, a: ftpClient, b: ftpServer, aseq: 70000, bseq: 90000}
	if active {
		d.a, d.b = ftpServer, ftpClient // the server connects
	}
	d.handshake()
	alert := []byte{21, 3, 3, 0, 2, 2, 50} // fatal decode_error
	if fromServer == active {
		d.fromA(alert)
	} else {
		d.fromB(alert)
	}
	d.closeFromB()
	ctl.fromB(tlsRecord(23, 40))
	ctl.fromA(tlsRecord(23, 30))
	ctl.fromB(tlsRecord(23, 40))
	ctl.closeFromB()
	return path
}

// TestDataTLSAlertNamesItsSender guards who a data connection's lone TLS
// alert (no hello) is said to come from: the side that sent the record,
// in FTP roles, in passive and active mode alike. A client's alert was
// kept as the server's (track's no-hello reading took the first alert
// of either direction for the TLS server's), and the data record's
// `tls: alert`, documented as the server refusing clear data, could not
// tell the two apart. The text line, the JSON record (tls_alert_from)
// and the report's ladder name the sender; only the server's lone alert
// is data-tls-required. Either side's lone alert moved no file: the
// connection is connected, not transferred (a client's 7 bytes were).
func TestDataTLSAlertNamesItsSender(t *testing.T) {
	for _, tc := range []struct {
		name               string
		active, fromServer bool
	}{
		{"passive client", false, false},
		{"passive server", false, true},
		{"active client", true, false},
		{"active server", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ftpsAlertCapture(t, tc.active, tc.fromServer)
			side, other := "client", "server"
			if tc.fromServer {
				side, other = other, side
			}
			text, _, _ := readText(t, path)
			if !strings.Contains(text, "a TLS alert from the "+side+" ") || strings.Contains(text, "alert from the "+other) {
				t.Errorf("text does not name the %s as the alert's sender:\n%s", side, text)
			}
			if got := strings.Contains(text, "data-tls-required"); got != tc.fromServer {
				t.Errorf("data-tls-required raised %v, want %v (only for the server's lone alert)", got, tc.fromServer)
			}
			var data []map[string]any
			for _, r := range runJSONRecords(t, []string{"read", "--json", path}) {
				if r["type"] == "data" {
					data = append(data, r)
				}
			}
			if len(data) != 1 || data[0]["tls"] != "alert" || data[0]["tls_alert_from"] != side || data[0]["outcome"] != "connected" {
				t.Errorf("data records %v, want one connected, with tls alert, tls_alert_from %s", data, side)
			}
			if want := "a TLS alert from the " + side + " only (fatal decode_error(50)), no handshake, no application data: 7 bytes"; !strings.Contains(text, want) {
				t.Errorf("text lacks %q:\n%s", want, text)
			}
			page, _, _ := runReport(t, path)
			if want := "#1 7 bytes: a TLS alert from the " + side + " (fatal decode_error(50)), no handshake"; !strings.Contains(page, want) {
				t.Errorf("ladder lacks %q", want)
			}
			if strings.Contains(page, "handshake only") {
				t.Error("ladder calls a lone TLS alert a handshake")
			}
		})
	}
}
