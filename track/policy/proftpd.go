package policy

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// ParseProFTPD parses a proftpd.conf: "Directive args" lines, directives
// in any case, '#' comments, a trailing '\' continuing a line, and
// <Section ...> ... </Section> blocks. The file configures the main server
// and each <VirtualHost> as servers of their own (Hosts): a virtual host
// takes its own settings and <Global>'s, not the main server's. Defaults:
// port 21, any passive port, the address of the interface the client
// reached, active data from the control port minus one (20).
//
// Precedence is ProFTPD's: a directive stored as a configuration record
// (PassivePorts, MasqueradeAddress, AllowForeignAddress) is looked up with
// find_config, which returns the first record of the server's set; the set
// holds the server's own records in file order (configdb.c
// pr_config_add_set: xaset_insert_end), and dirtree.c fixup_globals appends
// the copies of <Global>'s after them (copy_global_to_all), the main
// server's <Global> blocks before a virtual host's. So the first one of a
// server's own wins, and <Global>'s counts only where the server sets none,
// whatever the order in the file. TLSOptions are OR'd over every record
// (mod_tls walks them all with find_config_next). Port is assigned to the
// server as read (set_serverport): the last one wins, and it is refused in
// <Global>, as DefaultServer is (CHECK_CONF CONF_ROOT|CONF_VIRTUAL); a
// second "DefaultServer on" is refused too ("DefaultServer has already been
// set").
func ParseProFTPD(name string, data []byte) (*ServerConfig, error) {
	included := false
	newServer := func() *ServerConfig {
		return &ServerConfig{Kind: ServerProFTPD, Path: name, PassiveEnabled: true, ActiveEnabled: true, ControlPort: 21}
	}
	c := newServer()
	// The settings in file order, each with the server it is for: main
	// (-1), <Global> (-2: the main server and every virtual host), or a
	// virtual host (its index in c.Hosts). owner is, for a <Global> one,
	// the server whose context holds the block (0: main, k+1: c.Hosts[k]):
	// ProFTPD copies the main server's <Global> blocks first.
	type item struct {
		scope, owner, line int
		key, name          string // the directive, lower case and as written
		setting            string
		apply              func(*ServerConfig)
	}
	var items []item
	var sections []string // open <Section> names, lower case
	var sectionLines []int
	vhost := -1          // the open <VirtualHost>'s index in c.Hosts
	defaultServerOn := 0 // the line of the first "DefaultServer on"
	var ctxErr error     // a directive in a context ProFTPD refuses it in
	ls := lines(data)
	for i := 0; i < len(ls); i++ {
		n := i + 1
		l := strings.TrimSpace(ls[i])
		for strings.HasSuffix(l, `\`) && i+1 < len(ls) {
			i++
			l = strings.TrimSpace(strings.TrimSuffix(l, `\`) + " " + strings.TrimSpace(ls[i]))
		}
		if l == "" || l[0] == '#' {
			continue
		}
		if l[0] == '<' {
			if !strings.HasSuffix(l, ">") {
				return nil, lineErr(name, n, "%q: a section tag must end with '>'", trunc(l))
			}
			inner := strings.TrimSpace(l[1 : len(l)-1])
			if strings.HasPrefix(inner, "/") {
				closing := strings.ToLower(strings.TrimSpace(inner[1:]))
				if len(sections) == 0 || sections[len(sections)-1] != closing {
					return nil, lineErr(name, n, "</%s> closes no open <%s> section", closing, closing)
				}
				if closing == "virtualhost" {
					vhost = -1
				}
				sections = sections[:len(sections)-1]
				sectionLines = sectionLines[:len(sectionLines)-1]
				continue
			}
			f := strings.Fields(inner)
			if len(f) == 0 {
				return nil, lineErr(name, n, "empty section tag")
			}
			sec := strings.ToLower(f[0])
			if sec == "global" && slices.Contains(sections, "global") {
				return nil, lineErr(name, n, "<Global> inside another <Global>: ProFTPD refuses it (<Global> belongs in the server config or a <VirtualHost>) and does not start")
			}
			if sec == "virtualhost" {
				if slices.Contains(sections, "global") {
					return nil, lineErr(name, n, "<VirtualHost> inside <Global>: ProFTPD refuses it (<VirtualHost> belongs in the server config only) and does not start")
				}
				if vhost >= 0 {
					return nil, lineErr(name, n, "<VirtualHost> inside another <VirtualHost>: ProFTPD refuses it")
				}
				if len(f) < 2 {
					return nil, lineErr(name, n, "<VirtualHost> needs an address or host name")
				}
				h := newServer()
				h.HostLine = n
				for _, w := range f[1:] {
					w = strings.Trim(w, `"`)
					if a, err := netip.ParseAddr(strings.Trim(w, "[]")); err == nil {
						h.BindAddrs = append(h.BindAddrs, a.Unmap())
					} else {
						h.BindNames = append(h.BindNames, w)
					}
				}
				c.Hosts = append(c.Hosts, h)
				vhost = len(c.Hosts) - 1
				c.Notes = append(c.Notes, fmt.Sprintf("line %d: <VirtualHost %s> is a server of its own: its settings apply to that host only, and it takes <Global>'s, not the main server's", n, h.bindWords()))
			}
			sections = append(sections, sec)
			sectionLines = append(sectionLines, n)
			continue
		}
		f := strings.Fields(l)
		dir, args := strings.ToLower(f[0]), f[1:]
		if sec, where := narrowSection(sections), proftpdServerWide[dir]; sec != "" && where != "" {
			// A setting of a whole server inside <Anonymous>, <Directory>
			// or <Limit>: CHECK_CONF refuses it there (only
			// AllowForeignAddress may stand in <Anonymous>, for the
			// anonymous logins alone).
			switch {
			case dir == "allowforeignaddress" && sec == "anonymous":
				c.Notes = append(c.Notes, fmt.Sprintf("line %d: %s inside <Anonymous> applies to anonymous logins only: not read as the server's", n, f[0]))
			case ctxErr == nil:
				ctxErr = lineErr(name, n, "%s inside <%s>: ProFTPD refuses it there (it belongs in %s) and does not start", f[0], sectionName[sec], where)
			}
			continue
		}
		// A <Global> block inside a <VirtualHost> is still copied to
		// every server (fixup_globals looks in each server's context).
		inGlobal := slices.Contains(sections, "global")
		scope := -1
		switch {
		case inGlobal:
			scope = -2
		case vhost >= 0:
			scope = vhost
		}
		var apply func(*ServerConfig)
		switch dir {
		case "passiveports":
			if len(args) != 2 {
				return nil, lineErr(name, n, "PassivePorts needs two ports: PassivePorts MIN MAX")
			}
			lo, err1 := proftpdPort(args[0])
			hi, err2 := proftpdPort(args[1])
			if err1 != nil || err2 != nil {
				return nil, lineErr(name, n, "PassivePorts %s %s: ports must be numbers from 1024 to 65535", trunc(args[0]), trunc(args[1]))
			}
			if lo > hi {
				// mod_core.c set_passiveports refuses it: in the main file
				// ProFTPD does not start; in an Included file it logs the
				// error and starts without that file's rest and without a
				// range (pcaps/real/pasv-range-swapped-proftpd.pcap).
				return nil, lineErr(name, n, "PassivePorts %d %d: the minimum is above the maximum; ProFTPD refuses it (\"min port must be less than max port\"): in the main file it does not start, in an Included file it starts without a passive range (any port); write PassivePorts %d %d", lo, hi, hi, lo)
			}
			if lo == hi {
				// mod_core.c set_passiveports: "min port must be less
				// than max port".
				return nil, lineErr(name, n, "PassivePorts %d %d: ProFTPD refuses a one-port range (\"min port must be less than max port\") and does not start; give at least two ports", lo, hi)
			}
			apply = func(c *ServerConfig) { c.PassiveRange = Ranges{{lo, hi}} }
		case "masqueradeaddress":
			if len(args) != 1 {
				return nil, lineErr(name, n, "MasqueradeAddress needs one address or host name")
			}
			a, err := netip.ParseAddr(args[0])
			apply = func(c *ServerConfig) {
				if err == nil {
					c.PublicAddress, c.PublicName = a, ""
				} else {
					c.PublicAddress, c.PublicName = netip.Addr{}, args[0]
					c.Notes = append(c.Notes, fmt.Sprintf("MasqueradeAddress %s is a host or interface name; ftpsniff does not resolve it", args[0]))
				}
			}
		case "port":
			if inGlobal {
				// mod_core.c set_serverport: CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL).
				// Said once the file is read: an unclosed section
				// is the first thing to fix.
				if ctxErr == nil {
					ctxErr = lineErr(name, n, "Port inside <Global>: ProFTPD refuses it (\"Port\" belongs in the server config or a <VirtualHost>) and does not start; set Port in each server")
				}
				continue
			}
			if len(args) != 1 {
				return nil, lineErr(name, n, "Port needs one port number")
			}
			p, err := strconv.ParseUint(args[0], 10, 16)
			if err != nil {
				return nil, lineErr(name, n, "Port %s: not a port number", trunc(args[0]))
			}
			apply = func(c *ServerConfig) {
				c.ControlPort, c.Off = uint16(p), p == 0
				if p == 0 {
					c.Notes = append(c.Notes, fmt.Sprintf("Port 0 (line %d): this server does not listen", n))
				}
			}
		case "defaultserver":
			if inGlobal {
				// mod_core.c set_defaultserver: CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL).
				if ctxErr == nil {
					ctxErr = lineErr(name, n, "DefaultServer inside <Global>: ProFTPD refuses it (\"DefaultServer\" belongs in the server config or a <VirtualHost>) and does not start")
				}
				continue
			}
			if len(args) != 1 || !proftpdOn(args[0]) {
				// "off" stores nothing (set_defaultserver returns).
				continue
			}
			if defaultServerOn != 0 {
				return nil, lineErr(name, n, "DefaultServer on: already set on line %d; ProFTPD refuses a second one (\"DefaultServer has already been set\") and does not start", defaultServerOn)
			}
			defaultServerOn = n
			apply = func(c *ServerConfig) { c.DefaultServer = true }
		case "tlsoptions":
			// mod_tls: TLSOptions takes a list; NoSessionReuseRequired
			// lifts the resumption requirement on data connections.
			off := slices.ContainsFunc(args, func(a string) bool { return strings.EqualFold(a, "NoSessionReuseRequired") })
			apply = func(c *ServerConfig) {
				// mod_tls ORs the options of every TLSOptions.
				if off && !c.TLSReuseOff {
					c.TLSReuseOff, c.TLSReuseLine = true, fmt.Sprintf("line %d: %s", n, l)
				}
			}
		case "allowforeignaddress":
			// mod_core: "on" takes a passive data connection from any
			// address (1.3.6 also takes a <Class> name: some addresses).
			on := len(args) == 1 && proftpdOn(args[0])
			apply = func(c *ServerConfig) {
				c.SourceCheckOff = on
				c.SourceCheckLine = ""
				if on {
					c.SourceCheckLine = fmt.Sprintf("line %d: %s", n, l)
				}
			}
		case "include":
			// ftpsniff reads one file: say so, since Debian's stock
			// proftpd.conf keeps PassivePorts under conf.d/.
			c.Notes = append(c.Notes, fmt.Sprintf("line %d: Include %s is not followed: settings in it are not seen (pass that file with --server-config too, or copy them here)", n, strings.Join(args, " ")))
			included = true
			continue
		default:
			continue
		}
		items = append(items, item{scope: scope, owner: vhost + 1, line: n, key: dir, name: f[0], setting: fmt.Sprintf("line %d: %s", n, l), apply: apply})
	}
	if len(sections) > 0 {
		return nil, lineErr(name, sectionLines[len(sectionLines)-1], "<%s> is never closed", sections[len(sections)-1])
	}
	if ctxErr != nil {
		return nil, ctxErr
	}
	var global []item
	for _, it := range items {
		if it.scope == -2 {
			global = append(global, it)
		}
	}
	slices.SortStableFunc(global, func(a, b item) int { return a.owner - b.owner })
	servers := append([]*ServerConfig{c}, c.Hosts...)
	for k, sc := range servers {
		// The server's set as ProFTPD builds it: its own records in
		// file order, then the copies of <Global>'s.
		var set []item
		lastPort := 0
		for _, it := range items {
			if it.scope == k-1 {
				set = append(set, it)
				if it.key == "port" {
					lastPort = it.line
				}
			}
		}
		set = append(set, global...)
		used := map[string]item{}
		var applied []item
		for _, it := range set {
			switch it.key {
			case "port":
				if it.line != lastPort {
					sc.Notes = append(sc.Notes, fmt.Sprintf("line %d: %s is not used: the last Port of a server counts (line %d)", it.line, strings.TrimPrefix(it.setting, fmt.Sprintf("line %d: ", it.line)), lastPort))
					continue
				}
			case "tlsoptions":
			default:
				if u, ok := used[it.key]; ok {
					sc.Notes = append(sc.Notes, proftpdShadowed(it.line, it.scope, it.setting, u.line, u.scope, it.name))
					continue
				}
				used[it.key] = it
			}
			it.apply(sc)
			applied = append(applied, it)
		}
		slices.SortStableFunc(applied, func(a, b item) int { return a.line - b.line })
		for _, it := range applied {
			sc.Settings = append(sc.Settings, it.setting)
		}
		if sc.ControlPort > 0 {
			sc.ActiveSourcePort, sc.ActiveSourceKnown = sc.ControlPort-1, true
		}
		if len(sc.BindNames) > 0 && !sc.Off {
			sc.Notes = append(sc.Notes, fmt.Sprintf("<VirtualHost %s>: named by a host name ftpsniff does not resolve: no session is judged with this host's settings, and a session on port %d that no <VirtualHost> address takes is judged with no server's settings from this file, since this host may be the one bound to the address it reached", sc.bindWords(), sc.ControlPort))
		}
		if len(sc.PassiveRange) == 0 {
			if included {
				sc.Notes = append(sc.Notes, "no PassivePorts in this file (an included file may set it); without one, ProFTPD hands out any unprivileged port")
			} else {
				sc.Notes = append(sc.Notes, "no PassivePorts: ProFTPD hands out any unprivileged port, which no firewall range can follow")
			}
		}
	}
	return c, nil
}

// proftpdPort reads a PassivePorts bound: ProFTPD accepts 1024-65535 only.
func proftpdPort(s string) (uint16, error) {
	p, err := strconv.ParseUint(s, 10, 16)
	if err != nil || p < 1024 {
		return 0, fmt.Errorf("bad port")
	}
	return uint16(p), nil
}

// proftpdOn reads a ProFTPD boolean as on (get_boolean: on, yes, true, 1).
func proftpdOn(s string) bool {
	switch strings.ToLower(s) {
	case "on", "yes", "true", "1":
		return true
	}
	return false
}

// proftpdShadowed says why the setting of line, in scope (-2: <Global>),
// is not used: the same directive of line first, in scope firstScope,
// comes before it in the server's set and find_config returns the first.
func proftpdShadowed(line, scope int, setting string, first, firstScope int, name string) string {
	what := strings.TrimPrefix(setting, fmt.Sprintf("line %d: ", line))
	switch {
	case scope == -2 && firstScope != -2:
		return fmt.Sprintf("line %d: %s (in <Global>) is not used by this server: its own %s (line %d) wins, since ProFTPD puts <Global>'s settings after a server's own and uses the first", line, what, name, first)
	case scope == -2:
		return fmt.Sprintf("line %d: %s (in <Global>) is not used: the <Global> %s of line %d comes first, and ProFTPD uses the first", line, what, name, first)
	}
	return fmt.Sprintf("line %d: %s is not used: this server's %s of line %d comes first, and ProFTPD uses the first", line, what, name, first)
}

// proftpdServerWide: the directives ftpsniff reads, each a setting of a
// whole server, with the contexts ProFTPD takes it in (mod_core, mod_tls:
// CHECK_CONF without CONF_DIR or CONF_LIMIT, and without CONF_ANON but
// for AllowForeignAddress).
var proftpdServerWide = map[string]string{
	"passiveports":        "the server config, a <VirtualHost> or <Global>",
	"masqueradeaddress":   "the server config, a <VirtualHost> or <Global>",
	"tlsoptions":          "the server config, a <VirtualHost> or <Global>",
	"allowforeignaddress": "the server config, a <VirtualHost>, <Global> or <Anonymous>",
	"port":                "the server config or a <VirtualHost>",
	"defaultserver":       "the server config or a <VirtualHost>",
}

// sectionName spells the sections narrowSection names as ProFTPD does.
var sectionName = map[string]string{"anonymous": "Anonymous", "directory": "Directory", "limit": "Limit"}

// narrowSection returns the open section, innermost first, that scopes
// its settings below a server: <Anonymous>, <Directory> or <Limit> (not
// <Global>, <VirtualHost>, or the conditional <IfModule> and <IfDefine>),
// or "".
func narrowSection(sections []string) string {
	for i := len(sections) - 1; i >= 0; i-- {
		if _, ok := sectionName[sections[i]]; ok {
			return sections[i]
		}
	}
	return ""
}
