package policy

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ParseProFTPD parses a proftpd.conf: "Directive args" lines, directives
// in any case, '#' comments, a trailing '\' continuing a line, and
// <Section ...> ... </Section> blocks. Settings inside a <VirtualHost> apply
// to that host only: they are listed as notes, not used. Defaults: port 21,
// any passive port, the address of the interface the client reached,
// active data from the control port minus one (20).
func ParseProFTPD(name string, data []byte) (*ServerConfig, error) {
	included := false
	c := &ServerConfig{Kind: ServerProFTPD, Path: name, PassiveEnabled: true, ActiveEnabled: true, ControlPort: 21}
	var sections []string // open <Section> names, lower case
	var sectionLines []int
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
				sections = sections[:len(sections)-1]
				sectionLines = sectionLines[:len(sectionLines)-1]
				continue
			}
			f := strings.Fields(inner)
			if len(f) == 0 {
				return nil, lineErr(name, n, "empty section tag")
			}
			sections = append(sections, strings.ToLower(f[0]))
			sectionLines = append(sectionLines, n)
			continue
		}
		f := strings.Fields(l)
		dir, args := strings.ToLower(f[0]), f[1:]
		vhost := ""
		for j, s := range sections {
			if s == "virtualhost" {
				vhost = fmt.Sprintf(" (inside the <VirtualHost> of line %d: that host only)", sectionLines[j])
			}
		}
		var apply func()
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
			apply = func() { c.PassiveRange = Ranges{{lo, hi}} }
		case "masqueradeaddress":
			if len(args) != 1 {
				return nil, lineErr(name, n, "MasqueradeAddress needs one address or host name")
			}
			a, err := netip.ParseAddr(args[0])
			apply = func() {
				if err == nil {
					c.PublicAddress = a
				} else {
					c.PublicName = args[0]
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
			apply = func() {
				c.ControlPort = uint16(p)
				if p == 0 {
					c.Notes = append(c.Notes, fmt.Sprintf("Port 0 (line %d): this server does not listen", n))
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
		setting := fmt.Sprintf("line %d: %s", n, l)
		if vhost != "" {
			c.Notes = append(c.Notes, setting+vhost)
			continue
		}
		apply()
		c.Settings = append(c.Settings, setting)
	}
	if len(sections) > 0 {
		return nil, lineErr(name, sectionLines[len(sectionLines)-1], "<%s> is never closed", sections[len(sections)-1])
	}
	if c.ControlPort > 0 {
		c.ActiveSourcePort, c.ActiveSourceKnown = c.ControlPort-1, true
	}
	if len(c.PassiveRange) == 0 {
		if included {
			c.Notes = append(c.Notes, "no PassivePorts in this file (an included file may set it); without one, ProFTPD hands out any unprivileged port")
		} else {
			c.Notes = append(c.Notes, "no PassivePorts: ProFTPD hands out any unprivileged port, which no firewall range can follow")
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
