package diagnose

import (
	"strconv"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
)

// TestReplyTextAsSent: evidence quotes a reply as the server sent it,
// as commandText quotes a command: no space added after a code the
// server wrote none after (rv-servers reply-no-space.pcap), and a
// multi-line reply's terminator keeps its code, its own or another
// (iis-534-policy.pcap's "534 End", a "250-" closed by "200 "); a
// secret one stays hidden.
func TestReplyTextAsSent(t *testing.T) {
	for _, tt := range []struct {
		name  string
		lines []string
		want  string
	}{
		{"no space", []string{"227Entering Passive Mode (192,0,2,11,4,11)"}, "227Entering Passive Mode (192,0,2,11,4,11)"},
		{"bare code", []string{"230"}, "230"},
		{"single line", []string{"227 Entering Passive Mode (192,0,2,11,4,11)."}, "227 Entering Passive Mode (192,0,2,11,4,11)."},
		{"terminator's code", []string{"534-Policy requires SSL.", " Win32 error:   Access is denied.", "534 End"}, "534-Policy requires SSL.  Win32 error:   Access is denied. 534 End"},
		{"closed by another code", []string{"250-SITE FILETYPE accepted", "200 SITE command was accepted"}, "250-SITE FILETYPE accepted 200 SITE command was accepted"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseReply(tt.lines)
			if err != nil {
				t.Fatal(err)
			}
			if got := replyText(r); got != tt.want {
				t.Errorf("replyText = %q, want %q", got, tt.want)
			}
			r.Secret = true
			if got := replyText(r); got != ftpCode(r)+" ****" {
				t.Errorf("secret replyText = %q", got)
			}
		})
	}
}

// parseReply reads lines as decode does and makes the tracker's Reply.
func parseReply(lines []string) (*track.Reply, error) {
	var rr ftp.ReplyReader
	for i, l := range lines {
		fr, err := rr.Line([]byte(l + "\r\n"))
		if err != nil {
			return nil, err
		}
		if fr != nil || i == len(lines)-1 {
			if fr == nil {
				fr = rr.ClientSpoke()
			}
			return &track.Reply{Code: fr.Code, Text: fr.Text, Lines: fr.Lines, Anomaly: fr.Anomaly}, nil
		}
	}
	return nil, nil
}

func ftpCode(r *track.Reply) string { return strconv.Itoa(r.Code) }
