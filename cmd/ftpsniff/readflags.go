package main

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// readViewOptions are read's flags for reading less and choosing what to
// read (issue 10).
type readViewOptions struct {
	Summary     bool
	Full        bool
	Verbose     bool
	MinSeverity string

	// Packet filters, with live's semantics.
	Hosts       []string
	Nets        []string
	FilterPorts bool
	BPFRaw      string

	// Session selection: every session is analysed, these are shown.
	Server  string
	Client  string
	Session int

	minSev diagnose.Severity
	sel    *sessionSelector
	filter *packetFilter
}

func (o *readOptions) registerView(c *cobra.Command) {
	f := c.Flags()
	f.BoolVar(&o.Summary, "summary", false, "show only the servers' verdicts and changes, and one line per session or data connection that failed or warned")
	f.BoolVar(&o.Full, "full", false, "show every session's transcript, even when more sessions than a screen holds go to a terminal")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "show every finding and its evidence in full, not collapsed or shortened")
	f.StringVar(&o.MinSeverity, "min-severity", "info", "show findings of this `SEVERITY` and above only: error, warning or info (text and JSON)")
	f.StringArrayVar(&o.Hosts, "host", nil, "read only TCP to or from this `ADDRESS` (repeatable; ICMP errors are kept)")
	f.StringArrayVar(&o.Nets, "net", nil, "read only TCP to or from this `NETWORK`, e.g. 10.0.0.0/8 (repeatable)")
	f.BoolVar(&o.FilterPorts, "filter-ports", false, "read only TCP with a control port or port 20 on one side, or unprivileged ports on both")
	f.StringVar(&o.BPFRaw, "bpf-raw", "", "read only the frames this classic BPF `PROGRAM` keeps (tcpdump -ddd output, or @FILE), run over each frame as the file holds it; keep the data connections and ICMP errors, e.g. tcpdump -ddd 'tcp or icmp or icmp6'")
	f.StringVar(&o.Server, "server", "", "show only the sessions to this server `ADDR[:PORT]`")
	f.StringVar(&o.Client, "client", "", "show only the sessions from this client `ADDRESS`")
	f.IntVar(&o.Session, "session", 0, "show only session `N` (its control connection, data connections and ICMP errors)")
	wants(f, "session", "a session number (1, 2, ...)")
}

// validateView checks the view and filter flags and builds the filter and
// the selection.
func (o *readOptions) validateView() error {
	if o.Summary && o.Full {
		return usageErrorf("--summary and --full contradict each other")
	}
	sev, err := diagnose.ParseSeverity(o.MinSeverity)
	if err != nil {
		return usageErrorf("--min-severity must be error, warning or info, not %q", o.MinSeverity)
	}
	o.minSev = sev
	if o.BPFRaw != "" && (len(o.Hosts) > 0 || len(o.Nets) > 0 || o.FilterPorts) {
		return usageErrorf("--bpf-raw replaces the built-in filter: it cannot be combined with --host, --net or --filter-ports")
	}
	// live's own parsing, so that both commands read the flags alike.
	lo := &liveOptions{analysisOptions: o.analysisOptions, Hosts: o.Hosts, Nets: o.Nets, FilterPorts: o.FilterPorts, BPFRaw: o.BPFRaw}
	cfg, err := lo.captureConfig()
	if err != nil {
		return err
	}
	desc := filterDesc(lo)
	if o.filter, err = newPacketFilter(cfg, desc); err != nil {
		return err
	}
	o.userFilter = filterFact(cfg, desc)
	return o.buildSelector()
}

func (o *readOptions) buildSelector() error {
	if o.Server == "" && o.Client == "" && o.Session == 0 {
		return nil
	}
	s := &sessionSelector{}
	var desc []string
	if o.Session < 0 {
		return usageErrorf("--session %d: not a session number (1, 2, ...)", o.Session)
	}
	if o.Session > 0 {
		s.session = o.Session
		desc = append(desc, "--session "+strconv.Itoa(o.Session))
	}
	if o.Server != "" {
		ap, err := parseServerFlag(o.Server)
		if err != nil {
			return err
		}
		s.server = ap
		s.serverSet = true
		desc = append(desc, "--server "+o.Server)
	}
	if o.Client != "" {
		a, ok := parseAddrFlag(o.Client)
		if !ok {
			return usageErrorf("--client %q is not an IP address (an IPv6 one may be in brackets: [2001:db8::2])", o.Client)
		}
		s.client = a
		desc = append(desc, "--client "+o.Client)
	}
	s.desc = fmt.Sprint(joinSpace(desc))
	o.sel = s
	return nil
}

// parseAddrFlag reads an address flag: an IP address, an IPv6 one
// bracketed or not, with no zone (packets carry none); unmapped.
func parseAddrFlag(text string) (netip.Addr, bool) {
	if inner, ok := strings.CutPrefix(text, "["); ok {
		if text, ok = strings.CutSuffix(inner, "]"); !ok {
			return netip.Addr{}, false
		}
		if a, err := netip.ParseAddr(text); err != nil || !a.Is6() {
			return netip.Addr{}, false
		}
	}
	a, err := netip.ParseAddr(text)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// parseServerFlag reads --server: ADDR, [IPv6], or ADDR:PORT with an IPv6
// address in brackets. An IPv6 address without brackets whose last group
// is decimal and whose other groups are an address too ("fd00:99::1:21")
// may be an address and a port written without the brackets: that is
// refused, with both readings spelled out, rather than read as an
// address no session has.
func parseServerFlag(text string) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(text); err == nil && ap.Addr().Zone() == "" {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
	}
	a, ok := parseAddrFlag(text)
	if !ok {
		return netip.AddrPort{}, usageErrorf("--server %q is not an address or address:port (IPv6 with a port: [2001:db8::1]:21)", text)
	}
	if i := strings.LastIndexByte(text, ':'); a.Is6() && !a.Is4In6() && !strings.HasPrefix(text, "[") {
		head, last := text[:i], text[i+1:]
		port, err := strconv.ParseUint(last, 10, 16)
		if h, herr := netip.ParseAddr(head); err == nil && port > 0 && herr == nil && h.Is6() {
			return netip.AddrPort{}, usageErrorf("--server %q is ambiguous: for port %d of %s write '[%s]:%d'; for the address %s on any port, '[%s]'", text, port, head, head, port, text, text)
		}
	}
	return netip.AddrPortFrom(a, 0), nil
}

func joinSpace(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}
