package track

import "testing"

// TestDataTLSAlertSide guards which side a data connection's lone TLS
// alert (no hello) is kept for: the one that sent the record. With no
// hello to name the TLS roles, the first alert of either direction was
// taken for the TLS server's, so a client's alert read as the server's
// (TLSServerAlert), the reading data-tls-required's refusal rests on.
func TestDataTLSAlertSide(t *testing.T) {
	alert := []byte{21, 3, 3, 0, 2, 2, 50} // fatal decode_error
	for _, tc := range []struct {
		name       string
		fromServer bool
	}{{"client", false}, {"server", true}} {
		t.Run(tc.name, func(t *testing.T) {
			dc := protConn(t, []tlsSeg{{fromServer: tc.fromServer, b: alert}}, 0)
			if got := dc.DataTLS(); got != DataTLSAlert {
				t.Fatalf("DataTLS %q, want alert", got)
			}
			server, client := dc.TLSServerAlert(), dc.TLSClientAlert()
			if server.IsZero() != !tc.fromServer || client.IsZero() != tc.fromServer {
				t.Errorf("server's alert %v, client's %v; want it kept for the %s only", server, client, tc.name)
			}
		})
	}
}
