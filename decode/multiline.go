package decode

import "github.com/ftpsniff/ftpsniff/decode/ftp"

// A multi-line 227, 228 or 229 may name an endpoint on more than one of
// its lines, and clients read it differently: curl takes the last line's,
// Python's ftplib the first match in the whole text (as Endpoint is
// read). When the last line names another endpoint than that, the reply
// is ambiguous, and which one the client took only its data connection
// shows: the last line's is handed on beside it (ControlEvent.EndpointAlt)
// for the tracker to wait on too. Two readings are all clients make: a
// line between the first and the last is read by neither.
//
// The last line counts only when it names an endpoint the way a server
// writes one: for a 227 the parenthesised "(h1,h2,h3,h4,p1,p2)", or six
// numbers after the words of a passive reply ("Entering Passive Mode",
// "will passively listen to"); for a 229 "(|||port|)". curl's parser
// would take more (Curl's ftp_state_pasv_resp scans its last line from
// the 5th byte for the first six comma-separated numbers anywhere, and
// with CURLOPT_FTP_SKIP_PASV_IP, on by default since 7.74, keeps only
// their port), but free text with six numbers in a reply's last line
// (a note, a version, a date) is no server's announcement: taken, it put
// an invented endpoint beside the real one and hedged the real one's
// findings away (rv-rta ml227-junk-last-425.pcap). A client that did
// connect to such an endpoint still shows as a connection to an
// unannounced port.

// lastLineEndpoint is the endpoint the last line of r, a multi-line
// 227/228/229, names when it differs
// from first, the one read from the whole text; zero Endpoint (no Via)
// when it names none, the same one, or the reply has one line. (A 227
// naming the port alone, ProFTPD's over IPv6, is read from the last line
// already.)
func lastLineEndpoint(r *ftp.Reply, first Endpoint) Endpoint {
	if len(r.Lines) < 2 {
		return Endpoint{}
	}
	last := r.Lines[len(r.Lines)-1]
	var alt Endpoint
	switch r.Code {
	case 227:
		ap, form, err := ftp.ParsePASV(last)
		if err != nil || form == ftp.FormPortOnly || form == ftp.FormBare && !ftp.ContainsFold(last, "passive") {
			return Endpoint{}
		}
		alt = Endpoint{Via: ftp.ViaPASV, Addr: ap, Form: form}
	case 228:
		ap, err := ftp.ParseLPSV(last)
		if err != nil {
			return Endpoint{}
		}
		alt = Endpoint{Via: ftp.ViaLPSV, Addr: ap}
	case 229:
		e, err := epsvEndpoint(last)
		if err != nil || ftp.EPSVFieldsFilled(last) {
			return Endpoint{}
		}
		alt = e
	default:
		return Endpoint{}
	}
	if alt.Addr == first.Addr {
		return Endpoint{}
	}
	return alt
}
