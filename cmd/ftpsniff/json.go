package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/decode/communityid"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// jsonOutput writes JSON Lines: one record per line, each written whole as
// soon as it is final. docs/json.md documents every field.
type jsonOutput struct {
	w        *bufio.Writer
	rec      *recordEncoder
	jw       jsonWriter // hot records, field by field
	showPass bool
	ids      idOptions
	err      error

	sessions int
	outcomes map[string]int
	dataN    int

	// overlaps: inputs read one after the other that overlap in time
	// (tellOverlap), for the summary's input_overlaps.
	overlaps overlapList

	// uids: the session_uid of each live session's records.
	uids sessionUIDs
}

// InputOverlap keeps an overlap of the inputs for the summary record.
func (o *jsonOutput) InputOverlap(ov inputOverlap) { o.overlaps.add(ov) }

func newJSONOutput(w *bufio.Writer, showPass bool) *jsonOutput {
	return &jsonOutput{w: w, rec: newRecordEncoder(""), showPass: showPass, outcomes: map[string]int{}}
}

// withIDs makes every record carry the observer and, when asked, the
// Community IDs.
func (o *jsonOutput) withIDs(ids idOptions) *jsonOutput {
	o.ids, o.rec = ids, newRecordEncoder(ids.Observer)
	return o
}

// begin starts a record written field by field (jsonw.go).
func (o *jsonOutput) begin() *jsonWriter {
	o.jw.begin()
	return &o.jw
}

// beginAbout starts a record about the live session s: typeField (the
// record's opening and type, `{"type":"command"`), then its session and
// session_uid as sessionUIDs.head keeps them.
func (o *jsonOutput) beginAbout(typeField string, s *track.Session) *jsonWriter {
	w := &o.jw
	w.b = append(append(w.b[:0], typeField...), o.uids.head(o.ids.Observer, s)...)
	w.first = false
	return w
}

// end finishes a record begun with begin and writes its line.
func (o *jsonOutput) end(w *jsonWriter) {
	if o.err == nil {
		_, o.err = o.w.Write(w.end(o.rec.suffix))
	}
}

func (o *jsonOutput) write(v any) {
	if o.err != nil {
		return
	}
	line, err := o.rec.encode(v)
	if err == nil {
		_, err = o.w.Write(line)
	}
	o.err = err
}

// idOptions are what every machine-readable record carries besides what
// it reports: the capture point's name (--observer) and, with
// --community-id, the connections' Community IDs.
type idOptions struct {
	Observer    string
	CommunityID bool
	Seed        uint16
}

// communityID is the Community ID v1 of a TCP connection between a and b,
// or "" when it is off or an end is unknown.
func (o idOptions) communityID(a, b netip.AddrPort) string {
	if !o.CommunityID || !a.IsValid() || !b.IsValid() {
		return ""
	}
	return communityid.TCP(o.Seed, a, b)
}

// recordEncoder encodes one JSON record per line the way every JSON output
// writes it: encoding/json, then appendInertJSON so that no control,
// format or bidi character is left raw, then the observer.
type recordEncoder struct {
	buf    bytes.Buffer
	enc    *json.Encoder
	line   []byte
	suffix []byte // `,"observer":"NAME"` or empty
}

func newRecordEncoder(observer string) *recordEncoder {
	r := &recordEncoder{}
	r.enc = json.NewEncoder(&r.buf)
	r.enc.SetEscapeHTML(false)
	if observer != "" {
		name, _ := json.Marshal(observer) // a string always marshals
		r.suffix = append([]byte(`,"observer":`), name...)
	}
	return r
}

// encode returns the record's line, newline included; it is valid until
// the next call.
func (r *recordEncoder) encode(v any) ([]byte, error) {
	r.buf.Reset()
	if err := r.enc.Encode(v); err != nil {
		return nil, err
	}
	b := bytes.TrimRight(r.buf.Bytes(), "\n")
	if len(r.suffix) > 0 && len(b) > 2 && b[len(b)-1] == '}' {
		r.line = appendInertJSON(r.line[:0], b[:len(b)-1])
		r.line = appendInertJSON(r.line, r.suffix)
		r.line = append(r.line, '}', '\n')
	} else {
		r.line = appendInertJSON(r.line[:0], b)
		r.line = append(r.line, '\n')
	}
	return r.line, nil
}

// Flush writes out what is buffered.
func (o *jsonOutput) Flush() error {
	if err := o.w.Flush(); o.err == nil {
		o.err = err
	}
	return o.err
}

func (o *jsonOutput) SessionStart(s *track.Session) { o.uid(s) }

// uid is the session_uid of a record about the live session s.
func (o *jsonOutput) uid(s *track.Session) string { return o.uids.get(o.ids.Observer, s, true) }

func (o *jsonOutput) SessionEnd(s *track.Session) {
	if s.Counted() {
		o.sessions++
	}
	w := o.begin()
	w.name("type", "session")
	w.int("id", int64(s.ID))
	w.str("session_uid", o.uids.end(o.ids.Observer, s))
	w.addr("client", s.Client)
	w.addr("server", s.Server)
	w.strRaw("user", "user_raw", s.User)
	w.bool("login", s.Login == track.LoginOK)
	w.str("login_state", loginString(s))
	if user, ok := earlierLogin(s); ok {
		// Additive: user and login_state keep telling the latest
		// attempt.
		w.strRaw("earlier_login_user", "earlier_login_user_raw", user)
	}
	if c := s.Connect; c != nil {
		w.str("connect", c.How.String())
		w.int("connect_syns", int64(c.SYNs))
	}
	w.time("start", s.Start)
	w.time("end", s.End)
	if sp := spanOf(s); sp.back > 0 || sp.set > 0 {
		// The capture's clock was set back (or, live, forward) during
		// the session: end minus start is not how long it lasted (it
		// may be negative).
		if sp.known {
			w.key("elapsed_ms")
			w.b = appendMillis(w.b, sp.d.Microseconds())
		}
		if sp.back > 0 {
			w.int("clock_steps_back", int64(sp.back))
		}
		if sp.set > 0 {
			w.int("clock_steps_set", int64(sp.set))
		}
	}
	w.name("end_reason", s.EndReason.String())
	if g := greetingOf(s); g != nil {
		// Masked as the transcript masks it: when the client's first
		// commands are lost in a gap, their replies (a refusal that
		// repeats the password) are among the greeting's.
		text := maskedReply(g.Text, g.Secret, o.showPass)
		w.strOmitRaw("greeting", "greeting_raw", text)
	}
	jsonTunnel(w, s)
	w.boolOmit("encrypted", s.Encrypted)
	w.boolOmit("tls_unfinished", s.TLSUnfinished())
	w.boolOmit("midstream", s.Midstream && s.Resumed == nil) // a continuation says what it is below
	w.strOmit("one_side_captured", s.OneSide.String())
	if r := s.Resumed; r != nil {
		if r.From != 0 {
			w.int("resumed_from", int64(r.From))
		}
		w.time("idle_closed_at", r.Closed)
	}
	w.boolOmit("by_content", s.ByContent)
	w.strOmitRaw("file", "file_raw", s.File)
	w.boolOmit("desync", s.Desync)
	if tw := s.SameConnection; tw != nil {
		w.int("same_connection_as", int64(tw.ID))
	}
	w.int("commands", int64(s.CommandCount))
	w.intOmit("commands_omitted", int64(s.CommandsOmitted))
	w.int("data_connections", int64(s.DataCount))
	w.strOmitRaw("cwd", "cwd_raw", s.Cwd)
	w.strOmit("community_id", o.ids.communityID(s.Client, s.Server))
	o.end(w)
}

func (o *jsonOutput) Command(s *track.Session, c *track.Command) {
	w := o.beginAbout(`{"type":"command"`, s)
	w.int("index", int64(c.Index))
	w.time("ts", c.TS)
	w.uint("packet", c.Num)
	verb, arg := maskedVerb(c, o.showPass), maskedArg(c, o.showPass)
	w.strRaw("command", "command_raw", verb)
	w.strRaw("arg", "arg_raw", arg)
	w.strOmitRaw("cwd", "cwd_raw", c.Cwd)
	w.name("status", c.Status.String())
	w.array("replies")
	for i := range c.Replies {
		r := &c.Replies[i]
		w.element()
		w.int("code", int64(r.Code))
		text := maskedReply(r.Text, r.Secret, o.showPass)
		w.strRaw("text", "text_raw", text)
		w.boolOmit("masked", r.Secret && !o.showPass)
		w.time("ts", r.TS)
		if len(r.Lines) > 1 {
			w.int("lines", int64(len(r.Lines)))
		}
		w.intOmit("lines_dropped", int64(r.LinesDropped))
		w.intOmit("dropped_bytes", int64(r.Dropped))
		if r.Anomaly != 0 {
			w.str("anomaly", r.Anomaly.String())
		}
		// Sent after a box's reset in the server's name the client
		// took (track.Reply.AfterReset).
		w.boolOmit("after_reset", r.AfterReset)
		w.boolOmit("unacknowledged", r.Unacked)
		w.intOmit("resent", int64(r.Resent))
		w.closeObject()
	}
	w.closeArray()
	w.msOmit("first_reply_ms", c.FirstReplyLatency())
	w.msOmit("final_reply_ms", c.FinalLatency())
	if c.EndpointVia != 0 {
		w.str("via", c.EndpointVia.String())
		switch {
		case c.EndpointErr != nil:
			e := c.EndpointErr.Error()
			w.strOmitRaw("endpoint_error", "endpoint_error_raw", e)
		case c.Data != nil:
			w.addrOmit("endpoint", c.Data.Announced)
		default:
			w.addrOmit("endpoint", c.Endpoint)
		}
		w.boolOmit("endpoint_loose", c.EndpointLoose)
		if lc := c.Conflict; lc != nil && lc.Multiline {
			// A multi-line reply whose lines name two endpoints: both,
			// and the one a data connection showed in use, when one did.
			w.addrOmit("endpoint_first_line", lc.First)
			w.addrOmit("endpoint_last_line", lc.Other)
		}
	}
	if c.Data != nil {
		w.intOmit("data", int64(c.Data.ID))
	}
	w.boolOmit("uncertain", c.Uncertain)
	w.boolOmit("unseen", c.Unseen)
	w.boolOmit("shifted", c.Shifted())         // (track/unsolicited.go)
	w.boolOmit("unconfirmed", c.Unconfirmed()) // (track/unconfirmed.go)
	w.boolOmit("smuggled", c.Smuggled())
	w.boolOmit("junk", c.Junk)
	w.boolOmit("refused", c.Refused)
	w.intOmit("dropped_bytes", int64(c.Dropped))
	w.boolOmit("unterminated", c.Anomaly&ftp.CmdUnterminated != 0)
	w.boolOmit("rest_not_captured", c.RestNotCaptured())
	if c.Anomaly&ftp.CmdUnterminated != 0 && c.CaptureEnded() {
		w.str("unterminated_by", "capture-end")
	}
	if a := c.Anomaly & ftp.CmdTabSeparator; a != 0 {
		// (Only the TAB is named: it decides which servers, and whether
		// the Linux FTP helper, read the command.)
		w.str("anomaly", a.String())
	}
	if c.Telnet != 0 {
		w.str("telnet", c.Telnet.String())
	}
	w.boolOmit("urgent", c.Urgent)
	o.end(w)
}

func (o *jsonOutput) Data(s *track.Session, d *track.DataConn) {
	o.dataN++
	o.outcomes[d.Outcome.String()]++
	client, server := d.Client, d.Server
	toServer, toClient := d.Bytes[0], d.Bytes[1]
	if !d.Passive && d.Client.IsValid() {
		// Active mode: the server opened it; client/server stay the FTP roles.
		client, server = server, client
		toServer, toClient = toClient, toServer
	}
	w := o.beginAbout(`{"type":"data"`, s)
	w.int("id", int64(d.ID))
	w.name("via", d.ViaName())
	if d.Match == track.MatchAnnounceLost {
		// Inferred from the SYN, not stated: the announcement is lost.
		w.addr("announced", netip.AddrPort{})
	} else {
		w.addr("announced", d.Announced)
	}
	w.addr("client", client)
	w.addr("server", server)
	w.name("outcome", d.Outcome.String())
	w.int("bytes", d.TotalBytes())
	w.int("bytes_to_server", toServer)
	w.int("bytes_to_client", toClient)
	w.boolOmit("bytes_acked_only", d.AckedOnly())
	w.strOmit("tls", d.DataTLS().String())
	if d.DataTLS() == track.DataTLSAlert {
		// Who sent it: the server's refuses clear data (data-tls-required).
		w.str("tls_alert_from", tlsAlertSide(d))
	}
	var verb, arg, cwd string
	final := 0
	if c := d.Command; c != nil {
		verb, arg, cwd = maskedVerb(c, o.showPass), maskedArg(c, o.showPass), c.Cwd
		if f := c.Final(); f != nil {
			final = f.Code
		}
	}
	w.strRaw("command", "command_raw", verb)
	w.strRaw("arg", "arg_raw", arg)
	w.strOmitRaw("cwd", "cwd_raw", cwd)
	if d.Match != track.MatchNone {
		w.name("match", d.Match.String())
	}
	if n := max(d.AmongEncrypted, d.AmongLost, d.AmongRace); n > 1 {
		// Its session a guess among concurrent encrypted ones, among
		// sessions of its peers that lost their announcements, or among
		// those told the same endpoint.
		w.int("owner_among_sessions", int64(n))
	}
	// Its announcement in the capture, cut short: not lost in a gap.
	w.boolOmit("announcement_cut", d.AnnouncementCut())
	// Its announcement a passive reply that answered no command seen
	// (its unsolicited-reply event at armed).
	w.boolOmit("announcement_unsolicited", d.AfterUnsolicited())
	if d.StartMissed() {
		// The capture began during it: bytes seen, not the file's; its
		// session a guess by peers and the reply after its end.
		w.bool("start_missed", true)
		w.intOmit("end_reply", int64(d.EndCode()))
		// Its SYN not in the capture: active from the server's port
		// 20, else not known.
		if d.ModeUnknown() {
			w.str("mode", "unknown")
		} else if !d.Passive {
			w.str("mode", "active")
		}
	}
	w.time("armed", d.Armed)
	w.int("syns", int64(d.SYNs))
	if o := d.Twin; o != nil && o.SYNs > 0 && d.SYNs == 0 {
		w.int("syns_on_other_side_session", int64(o.Session.ID))
		w.int("syns_on_other_side_data", int64(o.ID))
	}
	w.boolOmit("syn_ack_lost", d.SynAckLost)
	if r := d.Reflected; r != nil {
		w.object("reflected")
		w.addr("from", r.From)
		w.int("syn_acks", int64(r.SynAcks))
		w.int("resets", int64(r.Resets))
		w.time("first", r.First)
		w.closeObject()
	}
	w.timeOmit("first_syn", d.FirstSYN)
	w.timeOmit("last_syn", d.LastSYN)
	w.timeOmit("end", d.End)
	if d.Outcome == track.OutcomeTransferred || d.Outcome == track.OutcomeConnected {
		if e := d.EndReason.String(); e != "" {
			w.name("end_reason", e)
		}
	}
	if d.ExpectedSize >= 0 {
		w.int("expected_size", d.ExpectedSize)
	}
	w.intOmit("final_reply", int64(final))
	if d.Outcome == track.OutcomeUndetermined {
		if d.OneSide != track.BothSides {
			w.str("one_side_captured", d.OneSide.String())
		} else if after, ok := d.GaveUp(); ok {
			w.msOmit("gave_up_after_ms", max(after, time.Microsecond))
		} else if d.AfterCloseCut() {
			w.bool("after_close_not_followed", true)
		} else {
			// Written at 0 too (the SYN the capture's last packet), as
			// text says "0.000s after the SYN".
			w.ms("capture_ended_after_ms", d.CaptureEndedAfter)
			if d.InBreak() {
				w.bool("capture_break", true)
			}
		}
	}
	if i := d.ICMP; i != nil {
		w.object("icmp")
		w.str("from", i.From.String())
		w.int("type", int64(i.Type))
		w.int("code", int64(i.Code))
		w.str("type_name", i.TypeName())
		w.str("name", i.CodeName())
		w.time("ts", i.TS)
		w.closeObject()
	}
	if e := d.ICMPErrors; e != nil && e.Ignored > 0 {
		w.object("icmp_ignored")
		w.int("count", int64(e.Ignored))
		w.str("why", e.IgnoredWhy.String())
		w.str("from", e.IgnoredFirst.From.String())
		w.int("type", int64(e.IgnoredFirst.Type))
		w.int("code", int64(e.IgnoredFirst.Code))
		w.time("ts", e.IgnoredFirst.TS)
		w.closeObject()
	}
	if p := d.TooBig(); p != nil {
		w.object("path_mtu")
		w.int("errors", int64(p.Errors))
		w.int("mtu", int64(p.MTU))
		w.str("from", p.From.String())
		w.addr("sender", p.Sender)
		w.time("first", p.First)
		w.int("repeated", int64(p.Repeated))
		w.boolOmit("black_hole", p.BlackHole())
		w.closeObject()
	}
	if st, ok := d.Stuck(); ok {
		w.object("unacknowledged")
		w.addr("sender", st.Sender)
		w.int("bytes", st.Bytes)
		w.int("resends", int64(st.Resends))
		w.int("segment", int64(st.Len))
		w.closeObject()
	}
	if l, ok := d.LostBeforeFIN(); ok {
		w.object("lost_before_fin")
		w.addr("sender", l.Sender)
		w.int("bytes", l.Bytes)
		w.closeObject()
	}
	w.strOmit("community_id", o.ids.communityID(d.Client, d.Server))
	o.end(w)
}

func (o *jsonOutput) Event(s *track.Session, e *track.Event) {
	w := o.beginAbout(`{"type":"event"`, s)
	w.str("kind", string(e.Kind))
	w.time("ts", e.TS)
	w.uint("packet", e.Num)
	resent := e.Kind == track.EventUndelivered || e.Kind == track.EventDeliveredLate
	if e.Kind == track.EventGap || e.Kind == track.EventJunk || resent || e.Kind == track.EventConflict || e.Kind == track.EventUnconfirmed {
		if e.FromClient {
			w.str("from", "client")
		} else {
			w.str("from", "server")
		}
	}
	if e.Kind == track.EventGap {
		// Which gap: bytes the snap length cut from a frame the capture
		// holds (they crossed it to the receiver), or never captured.
		w.bool("snap_cut", e.Cut)
	}
	w.intOmit("reply_code", int64(e.Code))
	text := maskedLine(e, o.showPass)
	w.strOmitRaw("text", "text_raw", text)
	if resent {
		w.intOmit("resent", int64(e.Bytes)) // (Event.Bytes holds the copies sent again: track/stall.go)
	} else {
		w.intOmit("bytes", int64(e.Bytes))
	}
	w.intOmit("dropped_bytes", int64(e.Dropped))
	o.end(w)
}

// Finding writes a finding record; the tracker calls it before the data or
// session record it concerns.
func (o *jsonOutput) Finding(f *diagnose.Finding) {
	w := o.begin()
	w.name("type", "finding")
	w.str("code", f.Code)
	w.name("severity", f.Severity.String())
	if f.Session != nil {
		w.int("session", int64(f.Session.ID))
		// (A finding may come after its session's end: its uid is
		// then computed again, not kept.)
		w.str("session_uid", o.uids.get(o.ids.Observer, f.Session, false))
	} else {
		w.int("session", 0)
	}
	if f.Data != nil {
		w.intOmit("data", int64(f.Data.ID))
	}
	w.timeOmit("ts", f.TS)
	if len(f.Packets) > 0 {
		w.uints("packets", f.Packets)
	}
	// (The _raw siblings come last; each string's ASCII answer spares
	// them a second look at it.)
	messageASCII := w.strASCII("message", f.Message)
	evidenceASCII := f.Evidence == "" || w.strASCII("evidence", f.Evidence)
	adviceASCII := w.strASCII("advice", f.Advice)
	if f.ControlOnly() {
		w.bool("control_only", true)
	}
	w.strOmitRaw("capture_filter", "capture_filter_raw", f.CaptureFilter())
	if !messageASCII {
		w.raw("message_raw", f.Message)
	}
	if !evidenceASCII {
		w.raw("evidence_raw", f.Evidence)
	}
	if !adviceASCII {
		w.raw("advice_raw", f.Advice)
	}
	o.end(w)
}

type jsonPolicy struct {
	Type       string   `json:"type"`
	PasvRanges string   `json:"pasv_ranges,omitempty"`
	Public     string   `json:"public_address,omitempty"`
	Server     string   `json:"server_kind,omitempty"`
	Config     string   `json:"server_config,omitempty"`
	Understood []string `json:"understood"`
}

// Policy writes what the diagnosis checks against, first.
func (o *jsonOutput) Policy(p policy.Policy) {
	j := jsonPolicy{Type: "policy", Understood: strings.Split(strings.TrimRight(p.Describe(), "\n"), "\n")}
	if r := p.PassiveRanges(); len(r) > 0 {
		j.PasvRanges = r.String()
	}
	if a := p.Public(); a.IsValid() {
		j.Public = a.String()
	}
	if p.Server != nil {
		j.Server, j.Config = p.Server.Kind.String(), p.Server.Path
	}
	o.write(j)
}

type jsonServer struct {
	Type          string         `json:"type"`
	Server        string         `json:"server"`
	Sessions      int            `json:"sessions"`
	PortsLow      uint16         `json:"passive_port_low,omitempty"`
	PortsHigh     uint16         `json:"passive_port_high,omitempty"`
	PortsCount    int            `json:"passive_ports_announced"`
	PortsDistinct int            `json:"passive_ports_distinct"`
	PortsSeen     int            `json:"passive_ports_inferred,omitempty"`
	PortsEarlier  int            `json:"passive_ports_before_capture,omitempty"`
	PortsOneSide  int            `json:"passive_ports_one_side,omitempty"`
	PortsLost     int            `json:"passive_ports_announcement_lost,omitempty"`
	Range         string         `json:"allowed_range,omitempty"`
	OutsideRange  int            `json:"outside_range"`
	Outcomes      map[string]int `json:"outcomes"`
	Findings      map[string]int `json:"findings"`
	Verdict       string         `json:"verdict,omitempty"`
	Rules         []string       `json:"rules,omitempty"`
	// Logins the server refused, and from how many client addresses
	// (ServerSummary.LoginFailures): absent when none.
	LoginFailures       int  `json:"login_failures,omitempty"`
	LoginFailureClients int  `json:"login_failure_clients,omitempty"`
	LoginFailureMore    bool `json:"login_failure_clients_more,omitempty"`
}

// Servers writes one record per server, before the summary.
func (o *jsonOutput) Servers(ss []diagnose.ServerSummary) {
	for _, s := range ss {
		j := jsonServer{Type: "server", Server: addrString(s.Server), Sessions: s.Sessions,
			PortsCount: s.PortsAnnounced.Count, PortsDistinct: s.PortsAnnounced.Distinct, PortsSeen: s.PortsAnnounced.Inferred, PortsEarlier: s.PortsAnnounced.BeforeCapture, PortsOneSide: s.PortsAnnounced.OneSide, PortsLost: s.PortsAnnounced.Lost, OutsideRange: s.OutsideRange,
			Outcomes: map[string]int{}, Findings: s.Findings, Verdict: s.Verdict, Rules: s.Rules,
			LoginFailures: s.LoginFailures, LoginFailureClients: s.LoginFailureClients, LoginFailureMore: s.LoginFailureClientsMore}
		if s.PortsAnnounced.Count > 0 {
			j.PortsLow, j.PortsHigh = s.PortsAnnounced.Min, s.PortsAnnounced.Max
		}
		if len(s.Range) > 0 {
			j.Range = s.Range.String()
		}
		for oc, n := range s.Outcomes {
			j.Outcomes[oc.String()] = n
		}
		if j.Findings == nil {
			j.Findings = map[string]int{}
		}
		o.write(j)
	}
}

// InputErrors writes an error record per input that could not be read to
// its end, before the summary.
func (o *jsonOutput) InputErrors(errs []error) {
	for _, err := range errs {
		msg := oneLine(err.Error())
		rec := jsonInputError{Type: "error", Message: msg, MessageRaw: rawOf(msg)}
		// A pipeline joins on the file without parsing the message.
		if ce, ok := errors.AsType[*capture.Error](err); ok {
			rec.File, rec.FileRaw, rec.Packets = ce.File, rawOf(ce.File), &ce.Packets
		}
		o.write(rec)
	}
}

// jsonInputError is the error record of an input not read to its end.
type jsonInputError struct {
	Type       string `json:"type"`
	Message    string `json:"message"`
	MessageRaw []byte `json:"message_raw,omitempty"`
	File       string `json:"file,omitempty"`
	FileRaw    []byte `json:"file_raw,omitempty"`
	Packets    *int   `json:"packets,omitempty"` // complete packets read before the failure
}

type jsonSummary struct {
	Type     string         `json:"type"`
	Sessions int            `json:"sessions"`
	Data     int            `json:"data_connections"`
	Outcomes map[string]int `json:"outcomes"`
	Decode   decode.Stats   `json:"decode"`
	// Links names what Decode counts of link types and tunnels; absent
	// when there is nothing to name.
	Links  *decode.LinkStats `json:"links,omitempty"`
	Limits track.Limits      `json:"limits"`
	// Diagnosis: what the per-server bound left out, only when it was hit.
	Diagnosis *diagnose.Omitted `json:"diagnosis,omitempty"`
	// Files: what the capture-file readers read past, only when not clean.
	Files *capture.Stats `json:"capture_file,omitempty"`
	// Filtered: what the packet filters left out, whenever one was given
	// (0 packets too: the record then says the analysis saw only what
	// they kept).
	Filtered *jsonFiltered `json:"filtered,omitempty"`
	// InputOverlaps: inputs that start before the input read before them
	// ended (read one after the other, not merged by time: the counts
	// above may hold their sessions twice). Absent when none overlap.
	InputOverlaps []jsonOverlap `json:"input_overlaps,omitempty"`
	// InputOverlapsMore counts the overlaps past the first
	// maxInputOverlaps; absent when 0.
	InputOverlapsMore int `json:"input_overlaps_more,omitempty"`
	// ControlOnly: a capture that held nothing but control connections'
	// packets, and the findings read while it did; absent when neither.
	// (Not control_only: that is a finding's boolean.)
	ControlOnly *jsonControlOnly `json:"control_only_totals,omitempty"`
}

// jsonControlOnly is the summary's control_only (controlOnlyTotals).
type jsonControlOnly struct {
	Input            bool   `json:"input"`
	Findings         int    `json:"findings"`
	FilteredFindings int    `json:"filtered_findings"`
	CaptureFilter    string `json:"capture_filter,omitempty"`
	CaptureFilterRaw []byte `json:"capture_filter_raw,omitempty"`
	// FilterEffect: what the recorded filter does to data connections.
	FilterEffect string `json:"capture_filter_effect,omitempty"`
}

// setControlOnly fills the summary's control_only.
func (j *jsonSummary) setControlOnly(c controlOnlyTotals) {
	if !c.any() {
		return
	}
	jc := &jsonControlOnly{Input: c.Input, Findings: c.Findings, FilteredFindings: c.Filtered,
		CaptureFilter: c.Filter.Text, CaptureFilterRaw: rawOf(c.Filter.Text)}
	switch {
	case c.Filter.Passive == diagnose.FilterDrops || c.Filter.Active == diagnose.FilterDrops:
		jc.FilterEffect = "drops-data"
	case c.Filter.Passive == diagnose.FilterKeeps:
		jc.FilterEffect = "keeps-data"
	}
	j.ControlOnly = jc
}

// jsonOverlap is one overlap of the inputs: File starts (its first
// packet) before Previous, of the inputs read before it the one that ends
// last, ends (its last packet),
// by OverlapMS milliseconds.
type jsonOverlap struct {
	File         string     `json:"file"`
	FileRaw      []byte     `json:"file_raw,omitempty"`
	Starts       time.Time  `json:"starts"`
	Previous     string     `json:"previous"`
	PreviousRaw  []byte     `json:"previous_raw,omitempty"`
	PreviousEnds time.Time  `json:"previous_ends"`
	OverlapMS    jsonMillis `json:"overlap_ms"`
}

// jsonFiltered is the summary's count of the packets read's packet
// filters left out; By names the filters as the text summary's
// "filter:" line does. The description comes from the command line, and
// goes through the record encoder's escaping like every string.
type jsonFiltered struct {
	Packets uint64 `json:"packets"`
	By      string `json:"by"`
}

func (o *jsonOutput) Summary(t totals) {
	j := jsonSummary{Type: "summary", Sessions: o.sessions, Data: o.dataN, Outcomes: o.outcomes, Decode: t.Decode, Limits: t.Limits}
	if t.Diagnosis != (diagnose.Omitted{}) {
		j.Diagnosis = &t.Diagnosis
	}
	j.Links = summaryLinks(t)
	if t.Files.Any() {
		j.Files = &t.Files
	}
	if f := t.Filtered; f.By != "" {
		j.Filtered = &jsonFiltered{Packets: f.Packets, By: f.By}
	}
	j.setOverlaps(&o.overlaps)
	j.setControlOnly(t.ControlOnly)
	o.write(j)
}

// summaryLinks is the summary record's links: nil when there is nothing
// to name. The kinds of packets not TCP are named only when the capture
// held no TCP (live's workers: one that read none names its packets).
func summaryLinks(t totals) *decode.LinkStats {
	links := t.Links
	if t.Decode.TCP > 0 {
		links.NotTCPKinds, links.NotTCPOtherKinds = nil, 0
	}
	if links.Empty() {
		return nil
	}
	return &links
}

// setOverlaps fills the summary's input_overlaps.
func (j *jsonSummary) setOverlaps(l *overlapList) {
	for _, ov := range l.list {
		j.InputOverlaps = append(j.InputOverlaps, jsonOverlap{File: ov.File, FileRaw: rawOf(ov.File), Starts: ov.Starts.UTC(),
			Previous: ov.Previous, PreviousRaw: rawOf(ov.Previous), PreviousEnds: ov.PreviousEnds.UTC(),
			OverlapMS: jsonMillis(ov.Overlap().Microseconds())})
	}
	j.InputOverlapsMore = l.more
}

// greetingOf is a session's greeting: the first 220 among the replies
// that came before the client's first command, else the first of them
// (a 120, a refusal such as 421). The replies after it in s.Greeting
// are no greeting: a second 220, or the replies to commands a capture
// gap took.
func greetingOf(s *track.Session) *track.Reply {
	for i := range s.Greeting {
		if s.Greeting[i].Code == 220 {
			return &s.Greeting[i]
		}
	}
	if len(s.Greeting) > 0 {
		return &s.Greeting[0]
	}
	return nil
}
