package decode

import (
	"slices"
	"strings"
	"testing"
)

// TestLFCRLineEnds: a server (and a client) that ends every line in LF CR
// ("\n\r", some embedded servers). Each reply is its own, with its code:
// the CR after a LF is the end of that line, not the start of the next,
// which would make every reply after the greeting "\r331 ..." and a line
// of the greeting's body. The CR comes in the same segment as its LF, or
// in the next one (the splitter between them may be swapped for a fresh
// one, as between any two lines).
func TestLFCRLineEnds(t *testing.T) {
	for _, cr := range []struct {
		name string
		same bool // the CR in the same segment as its LF
	}{{"CR with its LF", true}, {"CR in the next segment", false}} {
		t.Run(cr.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			// pend holds, per direction (0 server, 1 client), the CR
			// that goes with the next segment.
			var pend [2]string
			sendDir := func(fromClient bool, line string) {
				i, out := 0, v.srv
				if fromClient {
					i, out = 1, v.cli
				}
				if cr.same {
					out(line + "\n\r")
					return
				}
				out(pend[i] + line + "\n")
				pend[i] = "\r"
			}
			sendDir(false, "220-Embedded FTP ready")
			sendDir(false, "220 ok")
			sendDir(true, "USER u")
			sendDir(false, "331 Password required")
			sendDir(true, "PASS p")
			sendDir(false, "230-Hi")
			sendDir(false, "230 Logged in")
			sendDir(true, "PASV")
			sendDir(false, "227 Entering Passive Mode (192,168,1,5,156,64)")
			sendDir(true, "QUIT")
			sendDir(false, "221 Bye")
			if !cr.same {
				v.cli(pend[1])
				v.srv(pend[0])
			}
			d.Finish()

			var codes []int
			var texts []string
			for _, e := range rec.control {
				switch e.Kind {
				case ControlReply:
					codes = append(codes, e.Reply.Code)
					texts = append(texts, e.Reply.Text)
					if e.Reply.Code == 227 {
						if e.EndpointErr != nil || e.Endpoint.Addr.String() != "192.168.1.5:40000" {
							t.Errorf("227 endpoint %v, %v", e.Endpoint.Addr, e.EndpointErr)
						}
					}
				case ControlJunk:
					t.Errorf("junk line %q (from client %v)", e.Line, e.FromClient)
				}
			}
			if want := []int{220, 331, 230, 227, 221}; !slices.Equal(codes, want) {
				dumpEvents(t, rec)
				t.Fatalf("reply codes %v, want %v", codes, want)
			}
			for _, s := range texts {
				if strings.ContainsRune(s, '\r') {
					t.Errorf("reply text %q holds a CR", s)
				}
			}
			if got, want := rec.commands(), []string{"USER", "PASS", "PASV", "QUIT"}; !slices.Equal(got, want) {
				t.Errorf("commands %q, want %q", got, want)
			}
			for _, e := range rec.control {
				if e.Kind == ControlCommand && e.Command.Verb == "USER" && e.Command.Arg != "u" {
					t.Errorf("USER argument %q", e.Command.Arg)
				}
			}
		})
	}
}
