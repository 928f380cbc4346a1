package main

import (
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// analysisOptions are the flags read and live share.
type analysisOptions struct {
	JSON          bool
	Color         string
	ShowPasswords bool
	ControlPorts  []uint
	ImplicitPorts []uint // --implicit-tls-port
	NoDetect      bool
	MaxLine       int

	// Diagnosis policy (issue: firewall and NAT diagnosis).
	PasvRanges    []string
	ServerConfig  []string // the main file first; more: files its Include lines name
	PublicAddress string
	FailOn        string

	// Records for SIEM pipelines (issue 12).
	Format          string // text, json or zeek; --json is --format json
	Observer        string
	CommunityID     bool
	CommunityIDSeed uint16
	cmd             *cobra.Command // for its standard error
	notes           io.Writer      // standard error: where --format zeek writes its summary

	extractOptions // --extract (extract.go)

	helperOptions // --helper linux (helper.go)

	pol     policy.Policy     // built by validate
	failOn  diagnose.Severity // valid when failSet
	failSet bool
	// mayReorder: the packets may come out of the order they crossed the
	// wire (live on several interfaces, or "any": each socket's queue is
	// its own), decode.Options.MayReorder.
	mayReorder bool
	// steadyClock: live's wall clock against a steady one, so that a
	// step of the wall clock is not taken for time passing
	// (decode.Options.SteadyClock); nil reading files.
	steadyClock func() (time.Time, time.Duration)
	// userFilter: read's and live's --host, --net, --filter-ports or
	// --bpf-raw, told to the diagnosis (diagnose.PacketFilter); zero for
	// none.
	userFilter diagnose.PacketFilter
}

func (o *analysisOptions) register(c *cobra.Command) {
	f := c.Flags()
	f.BoolVar(&o.JSON, "json", false, "write JSON Lines (one record per line) instead of text")
	f.StringVar(&o.Color, "color", "auto", "colour the text output: `WHEN` is auto, always or never (NO_COLOR is respected)")
	f.BoolVar(&o.ShowPasswords, "show-passwords", false, "show PASS arguments instead of masking them")
	f.UintSliceVar(&o.ControlPorts, "control-port", nil, "server `PORT` of FTP control connections besides 21 (repeatable)")
	f.Lookup("control-port").DefValue = "" // no "(default [])"
	f.UintSliceVar(&o.ImplicitPorts, "implicit-tls-port", nil, "server `PORT` of implicit FTPS (ftps://, TLS from the first byte) besides 990 (repeatable): give it when a server takes ftps:// on another port; TLS on a port not named is not taken for FTP, and its sessions are not reported")
	f.Lookup("implicit-tls-port").DefValue = ""
	wants(f, "control-port", "a port number (1 to 65535; port 21 is read always)")
	wants(f, "implicit-tls-port", "a port number (1 to 65535; port 990 is read always)")
	f.BoolVar(&o.NoDetect, "no-detect", false, "do not recognise FTP on other ports by its content")
	bytesVar(f, &o.MaxLine, "max-line", 4096, "longest control line kept, in `BYTES` (4096, 4k); the excess is counted")
	f.StringArrayVar(&o.PasvRanges, "pasv-range", nil, "passive `PORTS` the firewall allows, e.g. 40000-41000 (repeatable; single ports too)")
	f.StringArrayVar(&o.ServerConfig, "server-config", nil, "the FTP server's configuration `FILE` (vsftpd.conf, proftpd.conf, pure-ftpd.conf or Debian's /etc/pure-ftpd/conf): passive range, public address, ports; again for the files a proftpd.conf includes (its Include lines also look next to it)")
	f.StringVar(&o.PublicAddress, "public-address", "", "the `ADDRESS` clients should be told in 227 replies, when no configuration gives one")
	f.StringVar(&o.FailOn, "fail-on", "never", "exit 1 when a finding of this `SEVERITY` or above exists: error, warning, info or never")
	o.cmd = c
	o.registerExtract(f)
	f.StringVar(&o.Format, "format", "", "output `FORMAT`: text, json (the same as --json) or zeek (Zeek ftp.log lines in Zeek's JSON format)")
	f.StringVar(&o.Observer, "observer", "", "`NAME` of this capture point, stamped on every JSON and zeek record")
	f.BoolVar(&o.CommunityID, "community-id", false, "add the Community ID v1 of every control and data connection to the JSON and zeek records")
	f.Uint16Var(&o.CommunityIDSeed, "community-id-seed", 0, "with --community-id, `SEED` of the Community ID (0-65535; Zeek's and Suricata's default is 0)")
	wants(f, "community-id-seed", "a seed from 0 to 65535")
	o.registerHelper(c)
}

// maxObserver bounds the --observer name.
const maxObserver = 256

// validateRecords checks the flags of the machine-readable records.
func (o *analysisOptions) validateRecords() error {
	if o.cmd != nil {
		o.notes = o.cmd.ErrOrStderr()
	}
	switch o.Format {
	case "":
		o.Format = "text"
		if o.JSON {
			o.Format = "json"
		}
	case "text", "json", "zeek":
		if o.JSON && o.Format != "json" {
			return usageErrorf("--json and --format %s contradict each other", o.Format)
		}
		o.JSON = o.Format == "json"
	default:
		return usageErrorf("--format must be text, json or zeek, not %q", o.Format)
	}
	if len(o.Observer) > maxObserver {
		return usageErrorf("--observer is longer than %d bytes", maxObserver)
	}
	if !utf8.ValidString(o.Observer) {
		return usageErrorf("--observer is not valid UTF-8")
	}
	for _, r := range o.Observer {
		if r < 0x20 || needsJSONEscape(r) {
			return usageErrorf("--observer %q holds a control or format character", o.Observer)
		}
	}
	return nil
}

// ids is what every machine-readable record carries besides its content.
func (o *analysisOptions) ids() idOptions {
	return idOptions{Observer: o.Observer, CommunityID: o.CommunityID, Seed: o.CommunityIDSeed}
}

// flagGiven reports whether the flag was given on the command line (its
// zero value may be its default: Changed tells them apart).
func (o *analysisOptions) flagGiven(name string) bool {
	return o.cmd != nil && o.cmd.Flags().Changed(name)
}

// validateDependents refuses a flag that acts only with another one when
// that one is missing (as --helper-ports, --report-sessions and
// --extract-listings are), instead of ignoring it, and a limit that is
// not positive, naming its value.
func (o *analysisOptions) validateDependents() error {
	if o.flagGiven("community-id-seed") && !o.CommunityID {
		return usageErrorf("--community-id-seed %d needs --community-id", o.CommunityIDSeed)
	}
	// The text output has no place for them: given with it, they were
	// ignored, and the admin read output without what they asked for.
	if o.Format == "text" {
		for _, name := range []string{"observer", "community-id"} {
			if o.flagGiven(name) {
				return usageErrorf("--%s adds to the JSON and zeek records: it needs --json or --format zeek", name)
			}
		}
	}
	for _, l := range []struct {
		name string
		v    int64
	}{
		{"extract-max-open", int64(o.ExtractMaxOpen)},
		{"extract-max-file", o.ExtractMaxFile},
		{"extract-max-total", o.ExtractMaxTotal},
	} {
		if o.ExtractDir == "" {
			if o.flagGiven(l.name) {
				return usageErrorf("--%s needs --extract DIR", l.name)
			}
			continue
		}
		if l.v <= 0 {
			return usageErrorf("--%s must be positive, not %d", l.name, l.v)
		}
	}
	return nil
}

func (o *analysisOptions) validate() error {
	if err := o.validateRecords(); err != nil {
		return err
	}
	if err := o.validateDependents(); err != nil {
		return err
	}
	if err := o.validateHelper(); err != nil {
		return err
	}
	switch o.Color {
	case "auto", "always", "never":
	default:
		return usageErrorf("--color must be auto, always or never, not %q", o.Color)
	}
	for _, p := range o.ControlPorts {
		if p == 0 || p > 65535 {
			return usageErrorf("--control-port %d is not a TCP port", p)
		}
	}
	for _, p := range o.ImplicitPorts {
		if p == 0 || p > 65535 {
			return usageErrorf("--implicit-tls-port %d is not a TCP port", p)
		}
	}
	if o.MaxLine < 64 || o.MaxLine > 1<<20 {
		return usageErrorf("--max-line must be between 64 and 1048576, not %d", o.MaxLine)
	}
	for _, r := range o.PasvRanges {
		if err := o.pol.AddRanges(r); err != nil {
			return usageErrorf("--pasv-range %q: %v", r, err)
		}
	}
	if o.PublicAddress != "" {
		a, err := netip.ParseAddr(o.PublicAddress)
		if err != nil {
			return usageErrorf("--public-address %q is not an IP address", o.PublicAddress)
		}
		if u := a.Unmap(); u.IsUnspecified() {
			return usageErrorf("--public-address %s is no address a client can connect to: give the address clients reach the server at", u)
		}
		o.pol.PublicAddress = a.Unmap()
	}
	if len(o.ServerConfig) > 0 {
		sc, err := policy.LoadServerConfig(o.ServerConfig[0], o.ServerConfig[1:]...)
		if err != nil {
			return err // names the file and line
		}
		o.pol.Server = sc
	}
	if o.FailOn != "never" {
		sev, err := diagnose.ParseSeverity(o.FailOn)
		if err != nil {
			return usageErrorf("--fail-on must be error, warning, info or never, not %q", o.FailOn)
		}
		o.failOn, o.failSet = sev, true
	}
	return o.validateExtract()
}

func (o *analysisOptions) decodeOptions() decode.Options {
	d := decode.Options{NoContentDetection: o.NoDetect, MaxLine: o.MaxLine, DataPayload: o.wantPayload(), MayReorder: o.mayReorder,
		SteadyClock: o.steadyClock}
	if len(o.ControlPorts) > 0 {
		d.ControlPorts = []uint16{21}
		for _, p := range o.ControlPorts {
			d.ControlPorts = append(d.ControlPorts, uint16(p))
		}
	}
	if len(o.ImplicitPorts) > 0 {
		// Control ports too (decode: isControlPort), TLS from the first
		// byte; 990 stays one.
		d.ImplicitTLSPorts = []uint16{990}
		for _, p := range o.ImplicitPorts {
			d.ImplicitTLSPorts = append(d.ImplicitTLSPorts, uint16(p))
		}
	}
	return d
}

// readOptions is what `ftpsniff read` was asked to do.
type readOptions struct {
	analysisOptions
	readViewOptions // readflags.go
	vantageOptions  // --vantage (vantage.go)
	carveOptions    // --write (carverun.go)
	reportOptions   // --report (report.go)
	Files           []string
	// Workers: 2 decodes on one goroutine and tracks, diagnoses and
	// writes on another (decode/relay); 1 does all on one.
	Workers int
}

func newReadCmd(stdout, stderr io.Writer) *cobra.Command {
	opts := &readOptions{}
	c := &cobra.Command{
		Use:   "read FILE...",
		Short: "Analyse capture files (pcap or pcapng; - reads standard input)",
		Long: `read analyses capture files: pcap (microsecond or nanosecond) and pcapng,
either one gzip-compressed or not (told apart by content, not by name), or
standard input with "-", which is analysed as it arrives. Several files are
read as one capture, in the order of their first packets (a capture rotated
by tcpdump -C or -G, however a glob sorts its names); one that starts before
a file read before it ends (the one that ends last) is said to overlap; a
file given twice is read once.

For each FTP session it shows the login, every command and reply, each data
connection announced and what became of it, and for each failure why and
what to change. --summary shows only the servers' verdicts and the sessions
that failed; on a terminal, a capture of more sessions than the screen holds
gets the summary unless --full. --session N, --server and --client pick
sessions; --host, --net, --filter-ports and --bpf-raw filter packets as
live's kernel filter does.`,
		Example: `  ftpsniff read capture.pcap
  ftpsniff read --summary day.pcap.gz
  ftpsniff read --session 42 day.pcap.gz
  tcpdump -i eth0 -U -w - 'tcp or icmp or icmp6' | ftpsniff read -
  ftpsniff read --pasv-range 40000-41000 --fail-on error capture.pcap
  ftpsniff read --json capture.pcapng | jq 'select(.type=="data")'`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 && !c.Flags().Changed("vantage") {
				return usageErrorf("read needs at least one capture file (- for standard input)")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts.Files = args
			if opts.Workers < 1 || opts.Workers > 2 {
				return usageErrorf("--workers must be 1 or 2 for read (2 decodes on one core and analyses on another), not %d", opts.Workers)
			}
			if err := opts.writeClash(opts.Write); err != nil {
				return err
			}
			if err := opts.validate(); err != nil {
				return err
			}
			if err := opts.validateReport(); err != nil {
				return err
			}
			if len(opts.Vantage) > 0 && opts.Write != "" {
				return usageErrorf("--write carves one capture point's files: not with --vantage")
			}
			if len(opts.Vantage) > 0 {
				if err := vantageFlagsOK(c, opts); err != nil {
					return err
				}
				return runVantage(opts, stdout, stderr)
			}
			// --session 0 is the flag's unset value: given, it is refused
			// like -3, not taken for every session.
			if c.Flags().Changed("session") && opts.Session < 1 {
				return usageErrorf("--session %d: not a session number (1, 2, ...)", opts.Session)
			}
			if err := opts.validateView(); err != nil {
				return err
			}
			if err := opts.validateCarve(args); err != nil {
				return err
			}
			return runRead(opts, stdout, stderr)
		},
	}
	opts.register(c)
	c.Flags().IntVar(&opts.Workers, "workers", defaultReadWorkers(), "analyse on `N` cores: 2 decodes on one and tracks and writes on the other, 1 does all on one (output is the same; --write, --extract and --vantage use one)")
	opts.registerView(c)
	opts.registerVantage(c)
	opts.registerCarve(c)
	opts.registerReport()
	return c
}

// defaultReadWorkers is read's --workers: two where there are two cores.
func defaultReadWorkers() int {
	if runtime.GOMAXPROCS(0) > 1 {
		return 2
	}
	return 1
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usageErrorf(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// runRead and readFile: readrun.go.
