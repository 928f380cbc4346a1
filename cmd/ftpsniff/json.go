package main

import (
	"bufio"
	"encoding/json"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// jsonOutput writes JSON Lines: one record per line, each written whole as
// soon as it is final. docs/json.md documents every field.
type jsonOutput struct {
	w        *bufio.Writer
	enc      *json.Encoder
	showPass bool
	err      error

	sessions int
	outcomes map[string]int
	dataN    int
}

func newJSONOutput(w *bufio.Writer, showPass bool) *jsonOutput {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &jsonOutput{w: w, enc: enc, showPass: showPass, outcomes: map[string]int{}}
}

func (o *jsonOutput) write(v any) {
	if o.err == nil {
		o.err = o.enc.Encode(v)
	}
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
	Login     bool   `json:"login"`
	LoginText string `json:"login_state"`
	Start     *jtime `json:"start"`
	End       *jtime `json:"end"`
	EndReason string `json:"end_reason"`
	Greeting  string `json:"greeting,omitempty"`
	Encrypted bool   `json:"encrypted,omitempty"`
	Midstream bool   `json:"midstream,omitempty"`
	ByContent bool   `json:"by_content,omitempty"`
	File      string `json:"file,omitempty"`
	Desync    bool   `json:"desync,omitempty"`
	Commands  int    `json:"commands"`
	Omitted   int    `json:"commands_omitted,omitempty"`
	Data      int    `json:"data_connections"`
	Cwd       string `json:"cwd,omitempty"`
}

type jsonReply struct {
	Code  int    `json:"code"`
	Text  string `json:"text"`
	TS    *jtime `json:"ts"`
	Lines int    `json:"lines,omitempty"`
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
	Arg         string      `json:"arg"`
	Cwd         string      `json:"cwd,omitempty"`
	Status      string      `json:"status"`
	Replies     []jsonReply `json:"replies"`
	FirstMS     *float64    `json:"first_reply_ms,omitempty"`
	FinalMS     *float64    `json:"final_reply_ms,omitempty"`
	Via         string      `json:"via,omitempty"`
	Endpoint    string      `json:"endpoint,omitempty"`
	EndpointErr string      `json:"endpoint_error,omitempty"`
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
	Arg           string    `json:"arg"`
	Cwd           string    `json:"cwd,omitempty"`
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
	}
	if len(s.Greeting) > 0 {
		g := s.Greeting[len(s.Greeting)-1]
		j.Greeting = g.Text
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
	if c.Telnet != 0 {
		j.Telnet = c.Telnet.String()
	}
	for _, r := range c.Replies {
		jr := jsonReply{Code: r.Code, Text: r.Text, TS: ts(r.TS), LinesDropped: r.LinesDropped}
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
		End: ts(d.End),
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
}

// Finding writes a finding record; the tracker calls it before the data or
// session record it concerns.
func (o *jsonOutput) Finding(f *diagnose.Finding) {
	j := jsonFinding{Type: "finding", Code: f.Code, Severity: f.Severity.String(), TS: ts(f.TS),
		Packets: f.Packets, Message: f.Message, Evidence: f.Evidence, Advice: f.Advice}
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
		o.write(struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		}{"error", oneLine(err.Error())})
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
