package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// diagnosisRecorder is an output that keeps, as text, every finding and
// server summary the diagnosis hands it, and writes nothing.
type diagnosisRecorder struct {
	findings []string
	servers  []string
}

func (*diagnosisRecorder) SessionStart(*track.Session)            {}
func (*diagnosisRecorder) Command(*track.Session, *track.Command) {}
func (*diagnosisRecorder) Data(*track.Session, *track.DataConn)   {}
func (*diagnosisRecorder) Event(*track.Session, *track.Event)     {}
func (*diagnosisRecorder) SessionEnd(*track.Session)              {}
func (*diagnosisRecorder) Summary(totals)                         {}
func (*diagnosisRecorder) Flush() error                           { return nil }
func (*diagnosisRecorder) Policy(policy.Policy)                   {}
func (r *diagnosisRecorder) Servers(ss []diagnose.ServerSummary) {
	r.servers = append(r.servers, fmt.Sprintf("%+v", ss))
}
func (r *diagnosisRecorder) Finding(f *diagnose.Finding) {
	r.findings = append(r.findings, findingLine(f))
}

// findingLine is everything a finding says, and what it is about.
func findingLine(f *diagnose.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", f.Severity, f.Code)
	if f.Session != nil {
		fmt.Fprintf(&b, " session %d", f.Session.ID)
	}
	if f.Data != nil {
		fmt.Fprintf(&b, " data %d", f.Data.ID)
	}
	if f.Command != nil {
		fmt.Fprintf(&b, " command %d", f.Command.Index)
	}
	fmt.Fprintf(&b, " at %s packets %v\n  message: %s\n  evidence: %s\n  advice: %s", f.TS.UTC().Format("15:04:05.000000"), f.Packets, f.Message, f.Evidence, f.Advice)
	return b.String()
}

// diagnoseAs reads one capture through the tracker and the diagnoser as
// the output named by how asks it to be kept ("transcript": the text
// transcript, every command; "recent": JSON, zeek, the report and
// --fail-on, RecentOnly; "summary": the text summary view, RecentOnly
// with the data connections), and returns what the diagnosis said.
func diagnoseAs(t *testing.T, how string, opts *analysisOptions, file string) *diagnosisRecorder {
	t.Helper()
	rec := &diagnosisRecorder{}
	var p *pipeline
	switch how {
	case "recent":
		p = newPipelineWith(opts, rec, track.Options{})
	default:
		// The tracker keeps what this text view needs; the findings go
		// to the recorder all the same.
		text := newTextOutput(bufio.NewWriter(io.Discard), newPalette(false), false)
		if how == "summary" {
			text.view = viewSummary
		}
		p = newPipelineWith(opts, text, track.Options{})
		p.out = rec
	}
	src, err := capture.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := p.dec.DecodeAll(src); err != nil {
		t.Logf("%s: %v", file, err) // a truncated capture: what was read is diagnosed
	}
	if err := p.finish(); err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestDiagnosisSameWhateverTheTrackerKeeps: every output must reach the
// same findings (code, severity, message, evidence, advice) and server
// verdicts and rules for a capture, whether its tracker keeps each
// session's whole transcript (text) or only what RecentOnly keeps (JSON,
// zeek, --summary, --report, --fail-on's exit code). A diagnosis that
// looked back at a command RecentOnly does not keep (a QUIT right after
// a 227, the RFC 775 verbs of Windows's ftp.exe, the USER after a TLS
// that never began) told the admin one thing in the transcript and
// another everywhere else.
func TestDiagnosisSameWhateverTheTrackerKeeps(t *testing.T) {
	files := keptCaptures(t)
	withPolicy := &analysisOptions{Color: "never", MaxLine: 4096, FailOn: "never", PasvRanges: []string{"40000-40100"}, helperOptions: helperOptions{Helper: "linux"}}
	if err := withPolicy.validate(); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			sameDiagnosis(t, &analysisOptions{Color: "never", MaxLine: 4096}, f)
			// The passive range and the simulated helper reach more of
			// the diagnosis (range advice, helper-blind PORTs).
			sameDiagnosis(t, withPolicy, f)
		})
	}
}

// TestOutputsAgreeWhateverTheyKeep: the captures (testdata/recent,
// synthetic, written by a script of the rev29 review) where the text
// transcript and every other output disagreed, because the diagnosis read
// commands only the transcript keeps. quick-quit.pcap: a QUIT 30 ms after
// the 227, an info in the transcript ("the client sent QUIT"), a warning
// in JSON, zeek and --summary, and --fail-on warning exited 1 with --json
// only. windows-active.pcap: Windows's ftp.exe (XPWD, PORT) whose server's
// SYNs go unanswered: the transcript gave the netsh rule and said ftp.exe
// has no passive mode, --summary and JSON gave nft and iptables rules and
// "use passive mode". auth-notls.pcap: AUTH TLS accepted, no TLS, then a
// login in clear: only the transcript's control-encrypted advice said "a
// login too".
func TestOutputsAgreeWhateverTheyKeep(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	for _, tc := range []struct {
		file    string
		want    []string // in the transcript, the JSON and (but for an info's words) the summary view each
		not     []string // in none of them
		info    bool     // want is an info's words, which the summary view does not show
		failOn  string   // --fail-on level: the exit code must not depend on the output
		wantErr bool
	}{
		{"quick-quit.pcap", []string{"The client sent QUIT 0.030s after the 227"}, []string{"it gave up or closed the session"}, true, "warning", false},
		{"windows-active.pcap", []string{"most likely Windows's ftp.exe (it sends XPWD", `netsh advfirewall firewall add rule name=\"FTP client active mode\"`},
			[]string{"Use passive mode on the client", "use passive mode,", "# on the client: attach the FTP helper"}, false, "error", true},
		{"auth-notls.pcap", []string{"(a login too, see cleartext-login)"}, nil, true, "warning", false},
		// 40 transfers through ports 50000-50039, then a PASV to 60000
		// unanswered: the example range is read from every port the
		// session announced, not from the few data connections JSON's
		// tracker keeps (40000-40100 there).
		{"long-session-ports.pcap", []string{"e.g. 49800-60300"}, []string{"40000-40100"}, false, "error", true},
		// A 227 written after the SYN it announced (one interface's
		// queues; rev35): decode took its bytes for lost at the client's
		// ACK of them, the SYN was taken for the PASV whose reply a gap
		// held, then the 227 came and the RST refusing the SYN. The 227
		// adopts that connection, refused, as live (in time order)
		// says; not a SYN "a firewall is dropping" and a 227 nothing
		// connected to.
		{"227-after-its-syn.pcap", []string{"data-refused"}, []string{"data-unanswered", "data-not-attempted"}, false, "error", true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f := filepath.Join("testdata", "recent", tc.file)
			for _, args := range [][]string{
				{"--color", "never", "--full", "-v"},
				{"--json"},
				{"--color", "never", "--summary", "-v"},
				{"--format", "zeek"},
			} {
				var out, errb bytes.Buffer
				code := run(append(append([]string{"read", "--fail-on", tc.failOn}, args...), f), &out, &errb)
				if (code == exitFindings) != tc.wantErr {
					t.Errorf("%v --fail-on %s: exit %d (stderr %q)", args, tc.failOn, code, errb.String())
				}
				if args[0] == "--format" {
					continue // (zeek's ftp.log says no finding's words)
				}
				// The text views wrap: their words are compared unwrapped,
				// and JSON's as it escapes them.
				text := strings.Join(strings.Fields(out.String()), " ")
				if args[0] != "--json" {
					text = strings.ReplaceAll(text, `"`, `\"`)
				}
				for _, w := range tc.want {
					if tc.info && slices.Contains(args, "--summary") {
						break
					}
					if !strings.Contains(text, w) {
						t.Errorf("%v lacks %q:\n%s", args, w, out.String())
					}
				}
				for _, w := range tc.not {
					if strings.Contains(text, w) {
						t.Errorf("%v has %q:\n%s", args, w, out.String())
					}
				}
			}
		})
	}
}

// keptCaptures are the captures the outputs must agree on whatever the
// tracker keeps: the golden ones, pcaps/hostile, the shared corpus (when
// present) and testdata/recent.
func keptCaptures(t *testing.T) []string {
	files := goldenCaptures(t)
	hostile, _ := filepath.Glob("../../pcaps/hostile/*.pcap*")
	corpus, _ := filepath.Glob("../../../shared/corpus/*/*") // (none where it is absent)
	recent, _ := filepath.Glob("testdata/recent/*.pcap")
	return append(append(append(files, hostile...), corpus...), recent...)
}

// TestCountsSameInEveryOutput: the text, --summary and JSON (its summary
// record, its findings by severity) count the same sessions, data
// connections by outcome and findings by severity for every capture.
// --summary and JSON run the tracker with RecentOnly, which keeps of a
// session's commands only those the diagnosis looks back at; what an
// inference read of Commands made them differ (rev35, testdata/recent):
// lost-pasv-and-227.pcap, a PASV and its 227 both lost and the client's
// SYNs unanswered, "2 data connections (2 unanswered)" and 2 errors in
// the text, "0 data connections" and none in --summary and JSON;
// gap-after-user-held-syn.pcap, a gap right after a USER, whose session
// took the server's SYN sent before it for a lost PORT, which another
// session's PORT then missed (its data connection in the text only).
func TestCountsSameInEveryOutput(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	for _, f := range keptCaptures(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			text := textCounts(t, f, "--color", "never")
			if s := textCounts(t, f, "--color", "never", "--summary"); s != text {
				t.Errorf("--summary counts %s, the text %s", s, text)
			}
			if j := jsonCounts(t, f); j != text {
				t.Errorf("JSON counts %s, the text %s", j, text)
			}
		})
	}
}

// summaryLine and findingsLine are the text's last lines: "summary: 4
// sessions, 7 data connections (2 unanswered, 2 refused, ...)" and
// "  findings: 6 errors, 2 warnings, 4 info".
var (
	summaryLine  = regexp.MustCompile(`(?m)^summary: (\d+) sessions?, (\d+) data connections?(?: \(([^)]*)\))?`)
	findingsLine = regexp.MustCompile(`(?m)^  findings: (\d+) errors?, (\d+) warnings?, (\d+) info`)
)

// textCounts reads file with the text output and args, and says its
// counts as countsOf does.
func textCounts(t *testing.T, file string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	run(append(append([]string{"read"}, args...), file), &out, &errb)
	m := summaryLine.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("%v: no summary line:\n%s%s", args, out.String(), errb.String())
	}
	outcomes := map[string]int{}
	if m[3] != "" {
		for part := range strings.SplitSeq(m[3], ", ") {
			n, name, _ := strings.Cut(part, " ")
			k, _ := strconv.Atoi(n)
			outcomes[name] = k
		}
	}
	sev := [3]int{}
	if f := findingsLine.FindStringSubmatch(out.String()); f != nil {
		for i := range sev {
			sev[i], _ = strconv.Atoi(f[i+1])
		}
	}
	return countsOf(m[1], m[2], outcomes, sev)
}

// jsonCounts reads file with --json and says the counts of its summary
// record and its findings.
func jsonCounts(t *testing.T, file string) string {
	t.Helper()
	var out, errb bytes.Buffer
	run([]string{"read", "--json", file}, &out, &errb)
	var sum struct {
		Sessions        int            `json:"sessions"`
		DataConnections int            `json:"data_connections"`
		Outcomes        map[string]int `json:"outcomes"`
	}
	found := false
	sev := [3]int{}
	for line := range strings.SplitSeq(out.String(), "\n") {
		var rec struct {
			Type     string `json:"type"`
			Severity string `json:"severity"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		switch rec.Type {
		case "summary":
			if err := json.Unmarshal([]byte(line), &sum); err != nil {
				t.Fatal(err)
			}
			found = true
		case "finding":
			if i := slices.Index([]string{"error", "warning", "info"}, rec.Severity); i >= 0 {
				sev[i]++
			}
		}
	}
	if !found {
		t.Fatalf("no summary record:\n%s%s", out.String(), errb.String())
	}
	return countsOf(strconv.Itoa(sum.Sessions), strconv.Itoa(sum.DataConnections), sum.Outcomes, sev)
}

// countsOf says sessions, data connections by outcome and findings by
// severity in one comparable line.
func countsOf(sessions, data string, outcomes map[string]int, sev [3]int) string {
	names := slices.Sorted(maps.Keys(outcomes))
	var b strings.Builder
	fmt.Fprintf(&b, "%s sessions, %s data connections (", sessions, data)
	for i, k := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d %s", outcomes[k], k)
	}
	fmt.Fprintf(&b, "); %d errors, %d warnings, %d info", sev[0], sev[1], sev[2])
	return b.String()
}

// sameDiagnosis fails when the diagnosis of file differs between the
// ways the tracker can keep a session's history.
func sameDiagnosis(t *testing.T, opts *analysisOptions, file string) {
	t.Helper()
	want := diagnoseAs(t, "transcript", opts, file)
	for _, how := range []string{"recent", "summary"} {
		got := diagnoseAs(t, how, opts, file)
		if a, b := strings.Join(want.findings, "\n"), strings.Join(got.findings, "\n"); a != b {
			t.Errorf("%s: findings differ, transcript vs %s:\n%s", file, how, firstDiff(a, b))
		}
		if a, b := strings.Join(want.servers, "\n"), strings.Join(got.servers, "\n"); a != b {
			t.Errorf("%s: server summaries differ, transcript vs %s:\n%s", file, how, firstDiff(a, b))
		}
	}
}
