package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/decode/communityid"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// jsonOutput writes JSON Lines: one record per line, each written whole as
// soon as it is final. docs/json.md documents every field.
type jsonOutput struct {
	w        *bufio.Writer
	rec      *recordEncoder
	showPass bool
	ids      idOptions
	err      error

	sessions int
	outcomes map[string]int
	dataN    int
}

func newJSONOutput(w *bufio.Writer, showPass bool) *jsonOutput {
	return &jsonOutput{w: w, rec: newRecordEncoder(""), showPass: showPass, outcomes: map[string]int{}}
}

// withIDs makes every record carry the observer and, when asked, the
// Community IDs.
func (o *jsonOutput) withIDs(ids idOptions) *jsonOutput {
	o.ids, o.rec = ids, newRecordEncoder(ids.Observer)
	return o
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

// jtime writes RFC 3339 timestamps with nanoseconds, in UTC; a zero time
// is omitted.
type jtime time.Time

func (t jtime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(time.RFC3339Nano) + `"`), nil
}

func ts(t time.Time) *jtime {
	if t.IsZero() {
		return nil
	}
	j := jtime(t)
	return &j
}

type jsonSession struct {
	Type      string `json:"type"`
	ID        int    `json:"id"`
	Client    string `json:"client"`
	Server    string `json:"server"`
	User      string `json:"user"`
	UserRaw   []byte `json:"user_raw,omitempty"`
	Login     bool   `json:"login"`
	LoginText string `json:"login_state"`
	Start     *jtime `json:"start"`
	End       *jtime `json:"end"`
	EndReason string `json:"end_reason"`
	Greeting  string `json:"greeting,omitempty"`
	// GreetingRaw and the other *Raw fields: the bytes of a string that
	// is not valid UTF-8, base64 (docs/json.md, "Text from the wire").
	GreetingRaw []byte `json:"greeting_raw,omitempty"`
	Encrypted   bool   `json:"encrypted,omitempty"`
	Midstream   bool   `json:"midstream,omitempty"`
	ByContent   bool   `json:"by_content,omitempty"`
	File        string `json:"file,omitempty"`
	FileRaw     []byte `json:"file_raw,omitempty"`
	Desync      bool   `json:"desync,omitempty"`
	Commands    int    `json:"commands"`
	Omitted     int    `json:"commands_omitted,omitempty"`
	Data        int    `json:"data_connections"`
	Cwd         string `json:"cwd,omitempty"`
	CwdRaw      []byte `json:"cwd_raw,omitempty"`
	// CommunityID: of the control connection, with --community-id.
	CommunityID string `json:"community_id,omitempty"`
}

type jsonReply struct {
	Code    int    `json:"code"`
	Text    string `json:"text"`
	TextRaw []byte `json:"text_raw,omitempty"`
	TS      *jtime `json:"ts"`
	Lines   int    `json:"lines,omitempty"`
	// LinesDropped: lines beyond the reply bound, counted, not kept.
	LinesDropped int    `json:"lines_dropped,omitempty"`
	Anomaly      string `json:"anomaly,omitempty"`
}

type jsonCommand struct {
	Type        string      `json:"type"`
	Session     int         `json:"session"`
	Index       int         `json:"index"`
	TS          *jtime      `json:"ts"`
	Packet      uint64      `json:"packet"`
	Command     string      `json:"command"`
	CommandRaw  []byte      `json:"command_raw,omitempty"`
	Arg         string      `json:"arg"`
	ArgRaw      []byte      `json:"arg_raw,omitempty"`
	Cwd         string      `json:"cwd,omitempty"`
	CwdRaw      []byte      `json:"cwd_raw,omitempty"`
	Status      string      `json:"status"`
	Replies     []jsonReply `json:"replies"`
	FirstMS     *float64    `json:"first_reply_ms,omitempty"`
	FinalMS     *float64    `json:"final_reply_ms,omitempty"`
	Via         string      `json:"via,omitempty"`
	Endpoint    string      `json:"endpoint,omitempty"`
	EndpointErr string      `json:"endpoint_error,omitempty"`
	EndpointRaw []byte      `json:"endpoint_error_raw,omitempty"`
	Data        int         `json:"data,omitempty"`
	Uncertain   bool        `json:"uncertain,omitempty"`
	Unseen      bool        `json:"unseen,omitempty"`
	Refused     bool        `json:"refused,omitempty"`
	Dropped     int         `json:"dropped_bytes,omitempty"`
	Telnet      string      `json:"telnet,omitempty"`
	Urgent      bool        `json:"urgent,omitempty"`
}

type jsonICMP struct {
	From string `json:"from"`
	Type uint8  `json:"type"`
	Code uint8  `json:"code"`
	Name string `json:"name"`
	TS   *jtime `json:"ts"`
}

type jsonData struct {
	Type          string    `json:"type"`
	Session       int       `json:"session"`
	ID            int       `json:"id"`
	Via           string    `json:"via"`
	Announced     string    `json:"announced"`
	Client        string    `json:"client"`
	Server        string    `json:"server"`
	Outcome       string    `json:"outcome"`
	Bytes         int64     `json:"bytes"`
	BytesToServer int64     `json:"bytes_to_server"`
	BytesToClient int64     `json:"bytes_to_client"`
	Command       string    `json:"command"`
	CommandRaw    []byte    `json:"command_raw,omitempty"`
	Arg           string    `json:"arg"`
	ArgRaw        []byte    `json:"arg_raw,omitempty"`
	Cwd           string    `json:"cwd,omitempty"`
	CwdRaw        []byte    `json:"cwd_raw,omitempty"`
	Match         string    `json:"match,omitempty"`
	Armed         *jtime    `json:"armed"`
	SYNs          int       `json:"syns"`
	FirstSYN      *jtime    `json:"first_syn,omitempty"`
	LastSYN       *jtime    `json:"last_syn,omitempty"`
	End           *jtime    `json:"end,omitempty"`
	EndReason     string    `json:"end_reason,omitempty"`
	ExpectedSize  *int64    `json:"expected_size,omitempty"`
	FinalReply    int       `json:"final_reply,omitempty"`
	ICMP          *jsonICMP `json:"icmp,omitempty"`
	// CommunityID: of the observed data connection, with --community-id.
	CommunityID string `json:"community_id,omitempty"`
}

type jsonEvent struct {
	Type    string `json:"type"`
	Session int    `json:"session"`
	Kind    string `json:"kind"`
	TS      *jtime `json:"ts"`
	Packet  uint64 `json:"packet"`
	From    string `json:"from,omitempty"`
	Code    int    `json:"code,omitempty"`
	Text    string `json:"text,omitempty"`
	TextRaw []byte `json:"text_raw,omitempty"`
	Bytes   int    `json:"bytes,omitempty"`
	// Dropped: a junk line's bytes beyond the line bound.
	Dropped int `json:"dropped_bytes,omitempty"`
}

func (o *jsonOutput) SessionStart(*track.Session) {}

func (o *jsonOutput) SessionEnd(s *track.Session) {
	o.sessions++
	j := jsonSession{
		Type: "session", ID: s.ID, Client: addrString(s.Client), Server: addrString(s.Server),
		User: s.User, Login: s.Login == track.LoginOK, LoginText: loginString(s.Login),
		Start: ts(s.Start), End: ts(s.End), EndReason: s.EndReason.String(),
		Encrypted: s.Encrypted, Midstream: s.Midstream, ByContent: s.ByContent, File: s.File, Desync: s.Desync,
		Commands: s.CommandCount, Omitted: s.CommandsOmitted, Data: s.DataCount, Cwd: s.Cwd,
		UserRaw: rawOf(s.User), FileRaw: rawOf(s.File), CwdRaw: rawOf(s.Cwd),
		CommunityID: o.ids.communityID(s.Client, s.Server),
	}
	if len(s.Greeting) > 0 {
		g := s.Greeting[len(s.Greeting)-1]
		j.Greeting, j.GreetingRaw = g.Text, rawOf(g.Text)
	}
	o.write(j)
}

func ms(d time.Duration) *float64 {
	if d <= 0 {
		return nil
	}
	v := float64(d.Microseconds()) / 1000
	return &v
}

func (o *jsonOutput) Command(s *track.Session, c *track.Command) {
	j := jsonCommand{
		Type: "command", Session: s.ID, Index: c.Index, TS: ts(c.TS), Packet: c.Num,
		Command: maskedVerb(c, o.showPass), Arg: maskedArg(c, o.showPass), Cwd: c.Cwd,
		Status: c.Status.String(), Replies: make([]jsonReply, 0, len(c.Replies)),
		FirstMS: ms(c.FirstReplyLatency()), FinalMS: ms(c.FinalLatency()),
		Uncertain: c.Uncertain, Unseen: c.Unseen, Refused: c.Refused, Dropped: c.Dropped, Urgent: c.Urgent,
	}
	j.CommandRaw, j.ArgRaw, j.CwdRaw = rawOf(j.Command), rawOf(j.Arg), rawOf(j.Cwd)
	if c.Telnet != 0 {
		j.Telnet = c.Telnet.String()
	}
	for _, r := range c.Replies {
		jr := jsonReply{Code: r.Code, Text: r.Text, TextRaw: rawOf(r.Text), TS: ts(r.TS), LinesDropped: r.LinesDropped}
		if len(r.Lines) > 1 {
			jr.Lines = len(r.Lines)
		}
		if r.Anomaly != 0 {
			jr.Anomaly = r.Anomaly.String()
		}
		j.Replies = append(j.Replies, jr)
	}
	if c.EndpointVia != 0 {
		j.Via = c.EndpointVia.String()
		if c.EndpointErr != nil {
			j.EndpointErr = c.EndpointErr.Error()
			j.EndpointRaw = rawOf(j.EndpointErr)
		} else if c.Data != nil {
			j.Endpoint = addrString(c.Data.Announced)
		} else {
			j.Endpoint = addrString(c.Endpoint)
		}
	}
	if c.Data != nil {
		j.Data = c.Data.ID
	}
	o.write(j)
}

func (o *jsonOutput) Data(s *track.Session, d *track.DataConn) {
	o.dataN++
	o.outcomes[d.Outcome.String()]++
	j := jsonData{
		Type: "data", Session: s.ID, ID: d.ID, Via: d.ViaName(), Announced: addrString(d.Announced),
		Client: addrString(d.Client), Server: addrString(d.Server), Outcome: d.Outcome.String(),
		Bytes: d.TotalBytes(), BytesToServer: d.Bytes[0], BytesToClient: d.Bytes[1],
		Armed: ts(d.Armed), SYNs: d.SYNs, FirstSYN: ts(d.FirstSYN), LastSYN: ts(d.LastSYN),
		End: ts(d.End), CommunityID: o.ids.communityID(d.Client, d.Server),
	}
	if d.Match != track.MatchNone {
		j.Match = d.Match.String()
	}
	if !d.Passive && d.Client.IsValid() {
		// Active mode: the server opened it; client/server stay the FTP roles.
		j.Client, j.Server = addrString(d.Server), addrString(d.Client)
		j.BytesToServer, j.BytesToClient = d.Bytes[1], d.Bytes[0]
	}
	if d.Outcome == track.OutcomeTransferred || d.Outcome == track.OutcomeConnected {
		j.EndReason = d.EndReason.String()
	}
	if d.Command != nil {
		j.Command, j.Arg, j.Cwd = d.Command.Verb, d.Command.Arg, d.Command.Cwd
		j.CommandRaw, j.ArgRaw, j.CwdRaw = rawOf(j.Command), rawOf(j.Arg), rawOf(j.Cwd)
		if f := d.Command.Final(); f != nil {
			j.FinalReply = f.Code
		}
	}
	if d.ExpectedSize >= 0 {
		v := d.ExpectedSize
		j.ExpectedSize = &v
	}
	if d.ICMP != nil {
		j.ICMP = &jsonICMP{From: d.ICMP.From.String(), Type: d.ICMP.Type, Code: d.ICMP.Code, Name: d.ICMP.CodeName(), TS: ts(d.ICMP.TS)}
	}
	o.write(j)
}

func (o *jsonOutput) Event(s *track.Session, e *track.Event) {
	j := jsonEvent{Type: "event", Session: s.ID, Kind: string(e.Kind), TS: ts(e.TS), Packet: e.Num, Code: e.Code, Text: maskedLine(e, o.showPass), Bytes: e.Bytes, Dropped: e.Dropped}
	j.TextRaw = rawOf(j.Text)
	if e.Kind == track.EventGap || e.Kind == track.EventJunk {
		j.From = "server"
		if e.FromClient {
			j.From = "client"
		}
	}
	o.write(j)
}

type jsonFinding struct {
	Type     string   `json:"type"`
	Code     string   `json:"code"`
	Severity string   `json:"severity"`
	Session  int      `json:"session"`
	Data     int      `json:"data,omitempty"`
	TS       *jtime   `json:"ts,omitempty"`
	Packets  []uint64 `json:"packets,omitempty"`
	Message  string   `json:"message"`
	Evidence string   `json:"evidence,omitempty"`
	Advice   string   `json:"advice"`

	MessageRaw  []byte `json:"message_raw,omitempty"`
	EvidenceRaw []byte `json:"evidence_raw,omitempty"`
	AdviceRaw   []byte `json:"advice_raw,omitempty"`
}

// Finding writes a finding record; the tracker calls it before the data or
// session record it concerns.
func (o *jsonOutput) Finding(f *diagnose.Finding) {
	j := jsonFinding{Type: "finding", Code: f.Code, Severity: f.Severity.String(), TS: ts(f.TS),
		Packets: f.Packets, Message: f.Message, Evidence: f.Evidence, Advice: f.Advice,
		MessageRaw: rawOf(f.Message), EvidenceRaw: rawOf(f.Evidence), AdviceRaw: rawOf(f.Advice)}
	if f.Session != nil {
		j.Session = f.Session.ID
	}
	if f.Data != nil {
		j.Data = f.Data.ID
	}
	o.write(j)
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
	Type         string         `json:"type"`
	Server       string         `json:"server"`
	Sessions     int            `json:"sessions"`
	PortsLow     uint16         `json:"passive_port_low,omitempty"`
	PortsHigh    uint16         `json:"passive_port_high,omitempty"`
	PortsCount   int            `json:"passive_ports_announced"`
	Range        string         `json:"allowed_range,omitempty"`
	OutsideRange int            `json:"outside_range"`
	Outcomes     map[string]int `json:"outcomes"`
	Findings     map[string]int `json:"findings"`
	Verdict      string         `json:"verdict,omitempty"`
	Rules        []string       `json:"rules,omitempty"`
}

// Servers writes one record per server, before the summary.
func (o *jsonOutput) Servers(ss []diagnose.ServerSummary) {
	for _, s := range ss {
		j := jsonServer{Type: "server", Server: addrString(s.Server), Sessions: s.Sessions,
			PortsCount: s.PortsAnnounced.Count, OutsideRange: s.OutsideRange,
			Outcomes: map[string]int{}, Findings: s.Findings, Verdict: s.Verdict, Rules: s.Rules}
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
		o.write(struct {
			Type       string `json:"type"`
			Message    string `json:"message"`
			MessageRaw []byte `json:"message_raw,omitempty"`
		}{"error", msg, rawOf(msg)})
	}
}

type jsonSummary struct {
	Type     string         `json:"type"`
	Sessions int            `json:"sessions"`
	Data     int            `json:"data_connections"`
	Outcomes map[string]int `json:"outcomes"`
	Decode   decode.Stats   `json:"decode"`
	Limits   track.Limits   `json:"limits"`
	// Diagnosis: what the per-server bound left out, only when it was hit.
	Diagnosis *diagnose.Omitted `json:"diagnosis,omitempty"`
	// Files: what the capture-file readers read past, only when not clean.
	Files *capture.Stats `json:"capture_file,omitempty"`
}

func (o *jsonOutput) Summary(t totals) {
	j := jsonSummary{Type: "summary", Sessions: o.sessions, Data: o.dataN, Outcomes: o.outcomes, Decode: t.Decode, Limits: t.Limits}
	if t.Diagnosis != (diagnose.Omitted{}) {
		j.Diagnosis = &t.Diagnosis
	}
	if t.Files.Any() {
		j.Files = &t.Files
	}
	o.write(j)
}
