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
func ParseProFTPD(name string, data []byte) (*ServerConfig, error) {
	included := false
	newServer := func() *ServerConfig {
		return &ServerConfig{Kind: ServerProFTPD, Path: name, PassiveEnabled: true, ActiveEnabled: true, ControlPort: 21}
	}
	c := newServer()
	// The settings in file order, each with the server it is for: main
	// (-1), <Global> (-2: the main server and every virtual host), or a
	// virtual host (its index in c.Hosts).
	type item struct {
		scope   int
		setting string
		apply   func(*ServerConfig)
	}
	var items []item
	var sections []string // open <Section> names, lower case
	var sectionLines []int
	vhost := -1 // the open <VirtualHost>'s index in c.Hosts
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
			if sec == "virtualhost" {
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
						h.Notes = append(h.Notes, fmt.Sprintf("<VirtualHost %s>: a host name; ftpsniff does not resolve it, so no session is judged with this host's settings", w))
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
		scope := -1
		if vhost >= 0 {
			scope = vhost
		} else if slices.Contains(sections, "global") {
			scope = -2
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
				return nil, lineErr(name, n, "PassivePorts %d %d: the minimum is above the maximum", lo, hi)
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
			on := len(args) == 1 && strings.EqualFold(args[0], "on")
			apply = func(c *ServerConfig) { c.DefaultServer = on }
		case "tlsoptions":
			// mod_tls: TLSOptions takes a list; NoSessionReuseRequired
			// lifts the resumption requirement on data connections.
			off := slices.ContainsFunc(args, func(a string) bool { return strings.EqualFold(a, "NoSessionReuseRequired") })
			apply = func(c *ServerConfig) {
				c.TLSReuseOff = off
				c.TLSReuseLine = ""
				if off {
					c.TLSReuseLine = fmt.Sprintf("line %d: %s", n, l)
				}
			}
		case "allowforeignaddress":
			// mod_core: "on" takes a passive data connection from any
			// address (1.3.6 also takes a <Class> name: some addresses).
			on := len(args) == 1 && strings.EqualFold(args[0], "on")
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
		items = append(items, item{scope: scope, setting: fmt.Sprintf("line %d: %s", n, l), apply: apply})
	}
	if len(sections) > 0 {
		return nil, lineErr(name, sectionLines[len(sectionLines)-1], "<%s> is never closed", sections[len(sections)-1])
	}
	servers := append([]*ServerConfig{c}, c.Hosts...)
	for k, sc := range servers {
		for _, it := range items {
			if it.scope == -2 || it.scope == k-1 {
				it.apply(sc)
				sc.Settings = append(sc.Settings, it.setting)
			}
		}
		if sc.ControlPort > 0 {
			sc.ActiveSourcePort, sc.ActiveSourceKnown = sc.ControlPort-1, true
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
