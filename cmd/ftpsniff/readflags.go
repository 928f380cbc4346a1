package main

import (
	"fmt"
	"net/netip"
	"strconv"

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
	f.StringVar(&o.BPFRaw, "bpf-raw", "", "read only the frames this classic BPF `PROGRAM` keeps (tcpdump -ddd output, or @FILE), run over each frame as the file holds it")
	f.StringVar(&o.Server, "server", "", "show only the sessions to this server `ADDR[:PORT]`")
	f.StringVar(&o.Client, "client", "", "show only the sessions from this client `ADDRESS`")
	f.IntVar(&o.Session, "session", 0, "show only session `N` (its control connection, data connections and ICMP errors)")
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
	if o.filter, err = newPacketFilter(cfg, filterDesc(o)); err != nil {
		return err
	}
	return o.buildSelector()
}

func (o *readOptions) buildSelector() error {
	if o.Server == "" && o.Client == "" && o.Session == 0 {
		return nil
	}
	s := &sessionSelector{}
	var desc []string
	if o.Session < 0 {
		return usageErrorf("--session must be a session number (1 or more)")
	}
	if o.Session > 0 {
		s.session = o.Session
		desc = append(desc, "--session "+strconv.Itoa(o.Session))
	}
	if o.Server != "" {
		if ap, err := netip.ParseAddrPort(o.Server); err == nil {
			s.server = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		} else if a, err := netip.ParseAddr(o.Server); err == nil && a.Zone() == "" {
			s.server = netip.AddrPortFrom(a.Unmap(), 0)
		} else {
			return usageErrorf("--server %q is not an address or address:port (IPv6 with a port: [2001:db8::1]:21)", o.Server)
		}
		s.serverSet = true
		desc = append(desc, "--server "+o.Server)
	}
	if o.Client != "" {
		a, err := netip.ParseAddr(o.Client)
		if err != nil || a.Zone() != "" {
			return usageErrorf("--client %q is not an IP address", o.Client)
		}
		s.client = a.Unmap()
		desc = append(desc, "--client "+o.Client)
	}
	s.desc = fmt.Sprint(joinSpace(desc))
	o.sel = s
	return nil
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
