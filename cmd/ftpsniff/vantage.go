package main

// read --vantage NAME=FILE: captures of the same traffic taken at several
// points, merged by track/vantage.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track/vantage"
)

// vantageOptions holds the --vantage flags.
type vantageOptions struct {
	Vantage []string
	points  []vantagePoint
}

type vantagePoint struct {
	name  string
	files []string
}

// maxVantagePoints bounds the points one run merges.
const maxVantagePoints = 16

func (v *vantageOptions) registerVantage(c *cobra.Command) {
	c.Flags().StringArrayVar(&v.Vantage, "vantage", nil, "NAME=FILE: a capture taken at the point NAME (repeatable; two or more points; a point's files in time order): merge them and say where each data connection was lost")
}

// parseVantage reads the --vantage values into points, in the order each
// name first appears.
func (v *vantageOptions) parseVantage() error {
	idx := map[string]int{}
	for _, arg := range v.Vantage {
		name, file, ok := strings.Cut(arg, "=")
		if !ok || name == "" || file == "" {
			return usageErrorf("--vantage %q: want NAME=FILE", arg)
		}
		if len(name) > maxObserver || !utf8.ValidString(name) {
			return usageErrorf("--vantage %q: the name is too long or not UTF-8", arg)
		}
		for _, r := range name {
			if r < 0x20 || needsJSONEscape(r) {
				return usageErrorf("--vantage %q: the name holds a control or format character", arg)
			}
		}
		i, seen := idx[name]
		if !seen {
			if len(v.points) == maxVantagePoints {
				return usageErrorf("--vantage: at most %d points", maxVantagePoints)
			}
			i = len(v.points)
			idx[name] = i
			v.points = append(v.points, vantagePoint{name: name})
		}
		v.points[i].files = append(v.points[i].files, file)
	}
	if len(v.points) < 2 {
		return usageErrorf("--vantage needs two or more capture points (NAME=FILE with different names)")
	}
	return nil
}

// runVantage reads every point's files into a collector, merges them and
// writes the report. With JSON, each point is also analysed on its own,
// every record stamped with the point's name.
// vantageFlagsOK refuses what --vantage does not do, rather than ignore
// it silently: files outside a point, the views and filters of a single
// capture, standard input read twice (JSON reads each point twice), and
// --fail-on without the per-point findings JSON computes.
func vantageFlagsOK(c *cobra.Command, opts *readOptions) error {
	if len(opts.Files) > 0 {
		return usageErrorf("with --vantage every capture belongs to a point (NAME=FILE); %q is not one", opts.Files[0])
	}
	for _, name := range []string{"summary", "full", "format", "helper", "extract", "host", "net", "filter-ports", "bpf-raw", "server", "client", "session", "min-severity"} {
		if c.Flags().Changed(name) {
			return usageErrorf("--%s does not apply to --vantage (read each point's capture on its own for it)", name)
		}
	}
	if opts.FailOn != "never" && !opts.JSON {
		return usageErrorf("--fail-on with --vantage needs --json (the per-point findings)")
	}
	if opts.JSON {
		for _, v := range opts.Vantage {
			if strings.HasSuffix(v, "=-") {
				return usageErrorf("--vantage %s: with --json each point is read twice; give a file, not standard input", v)
			}
		}
	}
	return nil
}

func runVantage(opts *readOptions, stdout, stderr io.Writer) error {
	if err := opts.parseVantage(); err != nil {
		return err
	}
	var cs []*vantage.Collector
	var inputErrs []error
	var findings findingsError // --fail-on, over the points (JSON)
	for _, pt := range opts.points {
		c := vantage.NewCollector(pt.name, vantage.Options{})
		c.Files = pt.files
		dec := decode.New(c, opts.decodeOptions())
		var files capture.Stats
		for _, f := range pt.files {
			if len(pt.files) > 1 {
				dec.SetInput(f)
			}
			if err := readFile(f, dec, &files); err != nil {
				inputErrs = append(inputErrs, fmt.Errorf("--vantage %s: %w", pt.name, err))
			}
		}
		dec.Finish()
		cs = append(cs, c)
		if opts.JSON {
			one := *opts
			one.Observer = pt.name
			one.Vantage, one.points = nil, nil
			one.Files = pt.files
			if err := runRead(&one, stdout, stderr); err != nil {
				if fe, isFinding := err.(findingsError); isFinding {
					findings.n += fe.n
					findings.level = fe.level
				} else {
					inputErrs = append(inputErrs, err)
				}
			}
		}
	}
	rep, err := vantage.Merge(cs)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(stdout)
	if opts.JSON {
		writeVantageJSON(w, rep, cs)
	} else {
		writeVantageText(w, rep, cs)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(inputErrs) > 0 {
		for _, e := range inputErrs[:len(inputErrs)-1] {
			fmt.Fprintf(stderr, "ftpsniff: %s\n", oneLine(e.Error()))
		}
		return inputErrs[len(inputErrs)-1]
	}
	if findings.n > 0 {
		return findings
	}
	return nil
}

func offsetString(o vantage.Offset) string {
	if o.Samples == 0 {
		return "clock offset unknown (no paired handshake)"
	}
	s := fmt.Sprintf("clock offset %+.6f s (median of %d paired handshake%s)", o.Offset.Seconds(), o.Samples, plural(o.Samples))
	if o.OneWay {
		s += ", one-way: includes the transit time"
	}
	return s
}

func writeVantageText(w io.Writer, rep *vantage.Report, cs []*vantage.Collector) {
	pr := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	pr("capture points:\n")
	for i, c := range cs {
		off := "reference clock"
		if i > 0 {
			off = offsetString(rep.Offsets[i])
		}
		pr("  #%d %s: %s; %s\n", i, safe(c.Name), safe(strings.Join(c.Files, ", ")), off)
	}
	pr("\n")
	for _, s := range rep.Sessions {
		pr("session %d\n", s.ID)
		for _, i := range s.Order {
			v := s.Views[i]
			if v == nil {
				pr("  %-10s not seen\n", safe(rep.Points[i]))
				continue
			}
			pr("  %-10s %s -> %s  %s\n", safe(rep.Points[i]), addrString(v.Client), addrString(v.Server), v.Start.UTC().Format("15:04:05.000000"))
		}
		for _, a := range s.Announcements {
			same := !a.Rewritten
			for _, i := range s.Order {
				an := a.Views[i]
				if an == nil {
					pr("  announcement %d at %s: not seen\n", a.Index, safe(rep.Points[i]))
					continue
				}
				pr("  announcement %d at %s: %s  = %s\n", a.Index, safe(rep.Points[i]), shown(an.Text), endpointText(an))
				if same {
					break // the same at every point: shown once
				}
			}
			if a.Verdict != "" {
				pr("     !! %s\n", safe(pointNames(a.Verdict, rep.Points)))
			}
		}
		for n, p := range s.Data {
			mode := "active"
			if p.Passive {
				mode = "passive"
			}
			pr("  data %d (%s)\n", n+1, mode)
			for _, i := range p.Order {
				d := p.Views[i]
				if d == nil {
					pr("    %-10s not seen\n", safe(rep.Points[i]))
					continue
				}
				pr("    %-10s %s -> %s  %s\n", safe(rep.Points[i]), addrString(d.Src), addrString(d.Dst), dataViewString(d))
			}
			pr("     -> %s: %s\n", p.Where, safe(p.Verdict))
		}
		pr("\n")
	}
	for i, n := range rep.Unpaired {
		if n > 0 {
			pr("%s: %d control connection%s not paired with another point (not seen there, or its SYN not captured)\n", safe(rep.Points[i]), n, plural(n))
		}
	}
	for i, l := range rep.Limits {
		if l != (vantage.Limits{}) {
			pr("%s: limits hit: %d control and %d data connections, %d announcements not kept\n", safe(rep.Points[i]), l.ControlDropped, l.DataDropped, l.AnnouncementsDropped)
		}
	}
}

// pointNames turns the "#N" point references of a verdict into names.
func pointNames(s string, names []string) string {
	for i := len(names) - 1; i >= 0; i-- {
		s = strings.ReplaceAll(s, fmt.Sprintf("#%d ", i), fmt.Sprintf("%q ", names[i]))
	}
	return s
}

func endpointText(a *vantage.Announcement) string {
	if !a.Endpoint.Addr().IsValid() {
		return fmt.Sprintf("port %d", a.Endpoint.Port())
	}
	return addrString(a.Endpoint)
}

func dataViewString(d *vantage.Data) string {
	parts := []string{fmt.Sprintf("%d SYN%s", d.SYNs, plural(d.SYNs))}
	if d.SYNACKs > 0 {
		parts = append(parts, "SYN-ACK")
	} else {
		parts = append(parts, "no SYN-ACK")
	}
	if !d.RST.IsZero() {
		parts = append(parts, "RST from "+d.RSTFrom.String())
	}
	if !d.ICMP.IsZero() {
		parts = append(parts, fmt.Sprintf("ICMP %d/%d from %s", d.ICMPType, d.ICMPCode, d.ICMPFrom))
	}
	if d.Bytes > 0 {
		parts = append(parts, fmt.Sprintf("%d bytes", d.Bytes))
	}
	return strings.Join(parts, ", ")
}

// JSON records of the merged view.
type jsonVantagePoint struct {
	Type     string         `json:"type"`
	Point    string         `json:"point"`
	Files    []string       `json:"files"`
	Offset   *float64       `json:"clock_offset_s,omitempty"`
	Samples  int            `json:"offset_samples"`
	OneWay   bool           `json:"offset_one_way,omitempty"`
	Unpaired int            `json:"unpaired_control"`
	Limits   vantage.Limits `json:"limits"`
}

type jsonConnView struct {
	Point  string `json:"point"`
	Client string `json:"client,omitempty"`
	Server string `json:"server,omitempty"`
	Start  string `json:"ts,omitempty"`
	Seen   bool   `json:"seen"`
}

type jsonAnnView struct {
	Point    string `json:"point"`
	Text     string `json:"text"`
	Endpoint string `json:"endpoint"`
	TS       string `json:"ts"`
	Packet   uint64 `json:"packet"`
}

type jsonVantageSession struct {
	Type          string         `json:"type"`
	Session       int            `json:"session"`
	Points        []jsonConnView `json:"points"`
	Announcements []struct {
		Index        int           `json:"index"`
		Views        []jsonAnnView `json:"views"`
		Rewritten    bool          `json:"rewritten"`
		Untranslated bool          `json:"untranslated"`
		Verdict      string        `json:"verdict,omitempty"`
	} `json:"announcements"`
}

type jsonDataView struct {
	Point    string `json:"point"`
	Seen     bool   `json:"seen"`
	Src      string `json:"src,omitempty"`
	Dst      string `json:"dst,omitempty"`
	SYNs     int    `json:"syns,omitempty"`
	FirstSYN string `json:"first_syn,omitempty"`
	SYNACK   bool   `json:"syn_ack,omitempty"`
	RSTFrom  string `json:"rst_from,omitempty"`
	ICMPFrom string `json:"icmp_from,omitempty"`
	Bytes    int64  `json:"bytes,omitempty"`
}

type jsonPath struct {
	Type    string         `json:"type"`
	Session int            `json:"session"`
	Data    int            `json:"data"`
	Mode    string         `json:"mode"`
	Points  []jsonDataView `json:"points"`
	Where   string         `json:"where"`
	After   string         `json:"lost_after,omitempty"`
	Before  string         `json:"lost_before,omitempty"`
	Verdict string         `json:"verdict"`
}

func tsString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func writeVantageJSON(w io.Writer, rep *vantage.Report, cs []*vantage.Collector) {
	enc := json.NewEncoder(w)
	for i, c := range cs {
		j := jsonVantagePoint{Type: "vantage", Point: c.Name, Files: c.Files, Samples: rep.Offsets[i].Samples,
			OneWay: rep.Offsets[i].OneWay, Unpaired: rep.Unpaired[i], Limits: rep.Limits[i]}
		if i == 0 || rep.Offsets[i].Samples > 0 {
			v := rep.Offsets[i].Offset.Seconds()
			j.Offset = &v
		}
		_ = enc.Encode(j)
	}
	for _, s := range rep.Sessions {
		js := jsonVantageSession{Type: "vantage_session", Session: s.ID}
		for _, i := range s.Order {
			v := s.Views[i]
			cv := jsonConnView{Point: rep.Points[i]}
			if v != nil {
				cv = jsonConnView{Point: rep.Points[i], Client: addrString(v.Client), Server: addrString(v.Server), Start: tsString(v.Start), Seen: true}
			}
			js.Points = append(js.Points, cv)
		}
		for _, a := range s.Announcements {
			ja := struct {
				Index        int           `json:"index"`
				Views        []jsonAnnView `json:"views"`
				Rewritten    bool          `json:"rewritten"`
				Untranslated bool          `json:"untranslated"`
				Verdict      string        `json:"verdict,omitempty"`
			}{Index: a.Index, Rewritten: a.Rewritten, Untranslated: a.Untranslated, Verdict: pointNames(a.Verdict, rep.Points)}
			for _, i := range s.Order {
				if an := a.Views[i]; an != nil {
					ja.Views = append(ja.Views, jsonAnnView{Point: rep.Points[i], Text: an.Text, Endpoint: endpointText(an), TS: tsString(an.TS), Packet: an.Num})
				}
			}
			js.Announcements = append(js.Announcements, ja)
		}
		_ = enc.Encode(js)
		for n, p := range s.Data {
			jp := jsonPath{Type: "path", Session: s.ID, Data: n + 1, Mode: "active", Where: p.Where.String(), Verdict: p.Verdict}
			if p.Passive {
				jp.Mode = "passive"
			}
			if p.After >= 0 {
				jp.After, jp.Before = rep.Points[p.After], rep.Points[p.Before]
			}
			for _, i := range p.Order {
				d := p.Views[i]
				dv := jsonDataView{Point: rep.Points[i]}
				if d != nil {
					dv = jsonDataView{Point: rep.Points[i], Seen: true, Src: addrString(d.Src), Dst: addrString(d.Dst), SYNs: d.SYNs,
						FirstSYN: tsString(d.FirstSYN), SYNACK: d.SYNACKs > 0, Bytes: d.Bytes}
					if !d.RST.IsZero() {
						dv.RSTFrom = d.RSTFrom.String()
					}
					if !d.ICMP.IsZero() {
						dv.ICMPFrom = d.ICMPFrom.String()
					}
				}
				jp.Points = append(jp.Points, dv)
			}
			_ = enc.Encode(jp)
		}
	}
}
