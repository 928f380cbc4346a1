package policy

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// ParseProFTPD parses a proftpd.conf: "Directive args" lines split into
// words as ProFTPD splits them (proftpdWords: a word starting with '#'
// begins a comment, a quoted word loses its quotes), directives in any
// case, a trailing '\' continuing a line, and <Section ...> ...
// </Section> blocks. Include lines are not followed here, but noted
// (LoadServerConfig follows them). The file configures the main server
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
	return parseProFTPD(name, data, nil)
}

// proftpdLine is a line as ProFTPD's parser reads it: blanks around it
// dropped, and the lines a trailing '\' continues joined to it. n is the
// number of its last line, where ProFTPD reports an error in it.
type proftpdLine struct {
	n    int
	text string
}

// proftpdSplit splits a file into lines as pr_parser_read_line does.
func proftpdSplit(data []byte) []proftpdLine {
	ls := lines(data)
	var out []proftpdLine
	for i := 0; i < len(ls); i++ {
		l := strings.TrimSpace(ls[i])
		for strings.HasSuffix(l, `\`) && i+1 < len(ls) {
			i++
			l = strings.TrimSpace(strings.TrimSuffix(l, `\`) + " " + strings.TrimSpace(ls[i]))
		}
		out = append(out, proftpdLine{n: i + 1, text: l})
	}
	return out
}

// proftpdWords splits a line into words as pr_str_get_word does: at
// blanks; a word that starts with '"' runs to the next '"' (blanks kept,
// '\' escaping the next character) and loses its quotes; a word that
// starts with '#' begins an inline comment, which ends the line. shown is
// the line without that comment, for listing it.
func proftpdWords(l string) (words []string, shown string) {
	i := 0
	for {
		for i < len(l) && isCSpace(l[i]) {
			i++
		}
		if i >= len(l) {
			return words, l
		}
		if l[i] == '#' {
			return words, strings.TrimSpace(l[:i])
		}
		var w strings.Builder
		if l[i] == '"' {
			i++
			for i < len(l) && l[i] != '"' {
				if l[i] == '\\' && i+1 < len(l) {
					i++
				}
				w.WriteByte(l[i])
				i++
			}
		} else {
			for i < len(l) && !isCSpace(l[i]) {
				w.WriteByte(l[i])
				i++
			}
		}
		if i < len(l) {
			i++ // the closing quote, or the blank
		}
		words = append(words, w.String())
	}
}

// proftpdSection is an open <Section>.
type proftpdSection struct {
	name string // lower case
	tag  string // as written, for a message: "<VirtualHost 10.0.0.1>"
	file string
	n    int
}

// proftpdSource is a file being read: the main one, or one an Include
// names.
type proftpdSource struct {
	file  string
	lines []proftpdLine
	next  int
}

// parseProFTPD parses the configuration in file name, following its
// Include lines with inc (nil: none is followed, and each is noted).
func parseProFTPD(name string, data []byte, inc *includer) (*ServerConfig, error) {
	var notFollowed []string // the Includes not followed, each with its place
	newServer := func() *ServerConfig {
		return &ServerConfig{Kind: ServerProFTPD, Path: name, PassiveEnabled: true, ActiveEnabled: true, ControlPort: 21}
	}
	c := newServer()
	// The settings in file order, each with the server it is for: main
	// (-1), <Global> (-2: the main server and every virtual host), or a
	// virtual host (its index in c.Hosts). owner is, for a <Global> one,
	// the server whose context holds the block (0: main, k+1: c.Hosts[k]):
	// ProFTPD copies the main server's <Global> blocks first. seq is the
	// order read, Included files in their place.
	type item struct {
		scope, owner, seq int
		where             string // "line 4", "conf.d/a.conf line 4"
		key, name         string // the directive, lower case and as written
		text              string // the line, without a comment
		apply             func(*ServerConfig)
	}
	var items []item
	var sections []proftpdSection
	inSection := func(n string) bool {
		return slices.ContainsFunc(sections, func(s proftpdSection) bool { return s.name == n })
	}
	vhost := -1           // the open <VirtualHost>'s index in c.Hosts
	defaultServerOn := "" // where the first "DefaultServer on" is
	var ctxErr error      // a directive in a context ProFTPD refuses it in
	var unknown []string  // near misses of directives ftpsniff reads, noted
	stack := []*proftpdSource{{file: name, lines: proftpdSplit(data)}}
	extrasRead := inc == nil
	seq := 0
	for len(stack) > 0 {
		src := stack[len(stack)-1]
		if src.next >= len(src.lines) {
			stack = stack[:len(stack)-1]
			if len(stack) == 0 && !extrasRead {
				// Files given with --server-config that no Include names
				// are read after the main file, at the top level, as
				// Debian's "Include /etc/proftpd/conf.d/" at its end
				// reads them.
				extrasRead = true
				extra := inc.unclaimed()
				srcs := make([]*proftpdSource, len(extra))
				for i, f := range extra {
					if sameFile(f, name) {
						return nil, fmt.Errorf("%s: given twice with --server-config (once is the main file)", f)
					}
					data, err := inc.read(f)
					if err != nil {
						return nil, err
					}
					if k := DetectKind(f, data); k == ServerVsftpd || k == ServerPureFTPd {
						return nil, fmt.Errorf("%s: a %s configuration, given with --server-config after %s, a ProFTPD one: give one server's files at a time", f, k, name)
					}
					c.Notes = append(c.Notes, fmt.Sprintf("%s: no Include names it (by its name, or its directory's): read as if included at the end of %s, in the main server's context", f, name))
					srcs[i] = &proftpdSource{file: f, lines: proftpdSplit(data)}
				}
				slices.Reverse(srcs)
				stack = append(stack, srcs...)
			}
			continue
		}
		pl := src.lines[src.next]
		src.next++
		seq++
		n, file := pl.n, src.file
		where := fmt.Sprintf("line %d", n)
		if file != name {
			where = fmt.Sprintf("%s line %d", file, n)
		}
		l := pl.text
		if l == "" || l[0] == '#' {
			continue
		}
		f, shown := proftpdWords(l)
		if len(f) == 0 {
			continue
		}
		if l[0] == '<' {
			tag := strings.Join(f, " ")
			if !strings.HasSuffix(tag, ">") {
				return nil, lineErr(file, n, "\"%s\": a section tag must end with '>'", trunc(shown))
			}
			inner := strings.TrimSpace(tag[1 : len(tag)-1])
			if strings.HasPrefix(inner, "/") {
				closing := strings.ToLower(strings.TrimSpace(inner[1:]))
				if len(sections) == 0 || sections[len(sections)-1].name != closing {
					return nil, lineErr(file, n, "</%s> closes no open <%s> section", trunc(strings.TrimSpace(inner[1:])), trunc(strings.TrimSpace(inner[1:])))
				}
				if closing == "virtualhost" {
					vhost = -1
				}
				sections = sections[:len(sections)-1]
				continue
			}
			f := strings.Fields(inner)
			if len(f) == 0 {
				return nil, lineErr(file, n, "empty section tag")
			}
			sec := strings.ToLower(f[0])
			if sec == "global" && inSection("global") {
				return nil, lineErr(file, n, "<Global> inside another <Global>: ProFTPD refuses it (<Global> belongs in the server config or a <VirtualHost>) and does not start")
			}
			if sec == "virtualhost" {
				if inSection("global") {
					return nil, lineErr(file, n, "<VirtualHost> inside <Global>: ProFTPD refuses it (<VirtualHost> belongs in the server config only) and does not start")
				}
				if vhost >= 0 {
					return nil, lineErr(file, n, "<VirtualHost> inside another <VirtualHost>: ProFTPD refuses it")
				}
				if len(f) < 2 {
					return nil, lineErr(file, n, "<VirtualHost> needs an address or host name")
				}
				h := newServer()
				h.HostLine = n
				for _, w := range f[1:] {
					if a, err := netip.ParseAddr(strings.Trim(w, "[]")); err == nil {
						h.BindAddrs = append(h.BindAddrs, a.Unmap())
					} else {
						h.BindNames = append(h.BindNames, w)
					}
				}
				c.Hosts = append(c.Hosts, h)
				vhost = len(c.Hosts) - 1
				c.Notes = append(c.Notes, fmt.Sprintf("%s: <VirtualHost %s> is a server of its own: its settings apply to that host only, and it takes <Global>'s, not the main server's", where, h.bindWords()))
			}
			sections = append(sections, proftpdSection{name: sec, tag: trunc("<" + inner + ">"), file: file, n: n})
			continue
		}
		dir, args := strings.ToLower(f[0]), f[1:]
		if sec, where2 := narrowSection(sections), proftpdServerWide[dir]; sec != "" && where2 != "" {
			// A setting of a whole server inside <Anonymous>, <Directory>
			// or <Limit>: CHECK_CONF refuses it there (only
			// AllowForeignAddress may stand in <Anonymous>, for the
			// anonymous logins alone).
			switch {
			case dir == "allowforeignaddress" && sec == "anonymous":
				c.Notes = append(c.Notes, fmt.Sprintf("%s: %s inside <Anonymous> applies to anonymous logins only: not read as the server's", where, f[0]))
			case ctxErr == nil:
				ctxErr = lineErr(file, n, "%s inside <%s>: ProFTPD refuses it there (it belongs in %s) and does not start", f[0], sectionName[sec], where2)
			}
			continue
		}
		// A <Global> block inside a <VirtualHost> is still copied to
		// every server (fixup_globals looks in each server's context).
		inGlobal := inSection("global")
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
				return nil, lineErr(file, n, "PassivePorts needs two ports: PassivePorts MIN MAX")
			}
			lo, err1 := proftpdPort(args[0])
			hi, err2 := proftpdPort(args[1])
			if err1 != nil || err2 != nil {
				return nil, lineErr(file, n, "PassivePorts %s %s: ports must be numbers from 1024 to 65535", trunc(args[0]), trunc(args[1]))
			}
			if lo > hi {
				// mod_core.c set_passiveports refuses it: in the main file
				// ProFTPD does not start; in an Included file it logs the
				// error and starts without that file's rest and without a
				// range (pcaps/real/pasv-range-swapped-proftpd.pcap).
				return nil, lineErr(file, n, "PassivePorts %d %d: the minimum is above the maximum; ProFTPD refuses it (\"min port must be less than max port\"): in the main file it does not start, in an Included file it starts without a passive range (any port); write PassivePorts %d %d", lo, hi, hi, lo)
			}
			if lo == hi {
				// mod_core.c set_passiveports: "min port must be less
				// than max port".
				return nil, lineErr(file, n, "PassivePorts %d %d: ProFTPD refuses a one-port range (\"min port must be less than max port\") and does not start; give at least two ports", lo, hi)
			}
			apply = func(c *ServerConfig) { c.PassiveRange = Ranges{{lo, hi}} }
		case "masqueradeaddress":
			if len(args) != 1 {
				return nil, lineErr(file, n, "MasqueradeAddress needs one address or host name")
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
					ctxErr = lineErr(file, n, "Port inside <Global>: ProFTPD refuses it (\"Port\" belongs in the server config or a <VirtualHost>) and does not start; set Port in each server")
				}
				continue
			}
			if len(args) != 1 {
				return nil, lineErr(file, n, "Port needs one port number")
			}
			p, err := strconv.ParseUint(args[0], 10, 16)
			if err != nil {
				return nil, lineErr(file, n, "Port %s: not a port number", trunc(args[0]))
			}
			apply = func(c *ServerConfig) {
				c.ControlPort, c.Off = uint16(p), p == 0
				if p == 0 {
					c.Notes = append(c.Notes, fmt.Sprintf("Port 0 (%s): this server does not listen", where))
				}
			}
		case "defaultserver":
			if inGlobal {
				// mod_core.c set_defaultserver: CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL).
				if ctxErr == nil {
					ctxErr = lineErr(file, n, "DefaultServer inside <Global>: ProFTPD refuses it (\"DefaultServer\" belongs in the server config or a <VirtualHost>) and does not start")
				}
				continue
			}
			if len(args) != 1 || !proftpdOn(args[0]) {
				// "off" stores nothing (set_defaultserver returns).
				continue
			}
			if defaultServerOn != "" {
				return nil, lineErr(file, n, "DefaultServer on: already set on %s; ProFTPD refuses a second one (\"DefaultServer has already been set\") and does not start", defaultServerOn)
			}
			defaultServerOn = where
			apply = func(c *ServerConfig) { c.DefaultServer = true }
		case "tlsoptions":
			// mod_tls: TLSOptions takes a list; NoSessionReuseRequired
			// lifts the resumption requirement on data connections.
			off := slices.ContainsFunc(args, func(a string) bool { return strings.EqualFold(a, "NoSessionReuseRequired") })
			apply = func(c *ServerConfig) {
				// mod_tls ORs the options of every TLSOptions.
				if off && !c.TLSReuseOff {
					c.TLSReuseOff, c.TLSReuseLine = true, fmt.Sprintf("%s: %s", where, shown)
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
					c.SourceCheckLine = fmt.Sprintf("%s: %s", where, shown)
				}
			}
		case "include":
			if len(args) != 1 {
				return nil, lineErr(file, n, "Include needs one path")
			}
			if inc == nil {
				// Debian's stock proftpd.conf keeps PassivePorts under
				// conf.d/: say what was not read.
				notFollowed = append(notFollowed, fmt.Sprintf("Include %s (%s)", trunc(args[0]), where))
				c.Notes = append(c.Notes, fmt.Sprintf("%s: Include %s is not followed: settings in it are not seen (pass that file with --server-config too, or copy them here)", where, trunc(args[0])))
				continue
			}
			files, how, err := inc.resolve(args[0], file, n, stack)
			if err != nil {
				return nil, err
			}
			if files == nil {
				notFollowed = append(notFollowed, fmt.Sprintf("Include %s (%s)", trunc(args[0]), where))
				c.Notes = append(c.Notes, fmt.Sprintf("%s: Include %s is not followed: %s; settings in it are not seen (copy what it names next to %s as on the server, conf.d/ beside proftpd.conf, or give each file with --server-config)", where, trunc(args[0]), how, name))
				continue
			}
			c.Notes = append(c.Notes, fmt.Sprintf("%s: Include %s: read %s", where, trunc(args[0]), how))
			for i := len(files) - 1; i >= 0; i-- {
				data, err := inc.read(files[i])
				if err != nil {
					return nil, err
				}
				stack = append(stack, &proftpdSource{file: files[i], lines: proftpdSplit(data)})
			}
			continue
		default:
			if near := nearMiss(f[0], proftpdReadNames); near != "" && !proftpdNotMisses[dir] {
				unknown = append(unknown, fmt.Sprintf("%s: %s is not a directive ProFTPD knows (did you mean %s?): ProFTPD refuses an unknown directive and does not start (\"unknown configuration directive\"), unless a module it loads has one by that name; ftpsniff ignores it", where, trunc(f[0]), near))
			}
			continue
		}
		items = append(items, item{scope: scope, owner: vhost + 1, seq: seq, where: where, key: dir, name: f[0], text: shown, apply: apply})
	}
	if len(sections) > 0 {
		open := sections[len(sections)-1]
		return nil, lineErr(open.file, open.n, "%s is never closed: ProFTPD does not start (\"unclosed configuration section\"); add </%s>", open.tag, strings.TrimSuffix(strings.TrimPrefix(strings.Fields(open.tag)[0], "<"), ">"))
	}
	if ctxErr != nil {
		return nil, ctxErr
	}
	c.Notes = append(c.Notes, unknown...)
	var global []item
	for _, it := range items {
		if it.scope == -2 {
			global = append(global, it)
		}
	}
	slices.SortStableFunc(global, func(a, b item) int { return a.owner - b.owner })
	servers := append([]*ServerConfig{c}, c.Hosts...)
	for k, sc := range servers {
		sc.NotFollowed = notFollowed
		// The server's set as ProFTPD builds it: its own records in
		// file order, then the copies of <Global>'s.
		var set []item
		var lastPort item
		for _, it := range items {
			if it.scope == k-1 {
				set = append(set, it)
				if it.key == "port" {
					lastPort = it
				}
			}
		}
		set = append(set, global...)
		used := map[string]item{}
		var applied []item
		for _, it := range set {
			switch it.key {
			case "port":
				if it.seq != lastPort.seq {
					sc.Notes = append(sc.Notes, fmt.Sprintf("%s: %s is not used: the last Port of a server counts (%s)", it.where, it.text, lastPort.where))
					continue
				}
			case "tlsoptions":
			default:
				if u, ok := used[it.key]; ok {
					sc.Notes = append(sc.Notes, proftpdShadowed(it.where, it.scope, it.text, u.where, u.scope, it.name))
					continue
				}
				used[it.key] = it
			}
			it.apply(sc)
			applied = append(applied, it)
		}
		slices.SortStableFunc(applied, func(a, b item) int { return a.seq - b.seq })
		for _, it := range applied {
			sc.Settings = append(sc.Settings, it.where+": "+it.text)
		}
		if sc.ControlPort > 0 {
			sc.ActiveSourcePort, sc.ActiveSourceKnown = sc.ControlPort-1, true
		}
		if len(sc.BindNames) > 0 && !sc.Off {
			sc.Notes = append(sc.Notes, fmt.Sprintf("<VirtualHost %s>: named by a host name ftpsniff does not resolve: no session is judged with this host's settings, and a session on port %d that no <VirtualHost> address takes is judged with no server's settings from this file, since this host may be the one bound to the address it reached", sc.bindWords(), sc.ControlPort))
		}
		if len(sc.PassiveRange) == 0 {
			if len(notFollowed) > 0 {
				sc.Notes = append(sc.Notes, fmt.Sprintf("no PassivePorts in what ftpsniff read (an included file may set it: %s, not followed); without one, ProFTPD hands out any unprivileged port", strings.Join(notFollowed, ", ")))
			} else {
				sc.Notes = append(sc.Notes, "no PassivePorts: ProFTPD hands out any unprivileged port, which no firewall range can follow")
			}
		}
	}
	return c, nil
}

// proftpdReadNames are the directives ftpsniff reads, as ProFTPD spells
// them: a directive a letter or two away from one (PassivePort) is noted,
// since ProFTPD refuses it ("Did you mean: PassivePorts").
var proftpdReadNames = []string{"PassivePorts", "MasqueradeAddress", "Port", "DefaultServer", "TLSOptions", "AllowForeignAddress", "Include"}

// proftpdNotMisses are the directives of ProFTPD 1.3.8 and its Debian
// modules within two edits of one in proftpdReadNames, lower case: real
// directives, no near misses.
var proftpdNotMisses = setOf("fsoptions", "qosoptions")

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

// proftpdShadowed says why the setting what at where, in scope (-2:
// <Global>), is not used: the same directive at first, in scope
// firstScope, comes before it in the server's set and find_config returns
// the first.
func proftpdShadowed(where string, scope int, what, first string, firstScope int, name string) string {
	switch {
	case scope == -2 && firstScope != -2:
		return fmt.Sprintf("%s: %s (in <Global>) is not used by this server: its own %s (%s) wins, since ProFTPD puts <Global>'s settings after a server's own and uses the first", where, what, name, first)
	case scope == -2:
		return fmt.Sprintf("%s: %s (in <Global>) is not used: the <Global> %s of %s comes first, and ProFTPD uses the first", where, what, name, first)
	}
	return fmt.Sprintf("%s: %s is not used: this server's %s of %s comes first, and ProFTPD uses the first", where, what, name, first)
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
func narrowSection(sections []proftpdSection) string {
	for i := len(sections) - 1; i >= 0; i-- {
		if _, ok := sectionName[sections[i].name]; ok {
			return sections[i].name
		}
	}
	return ""
}
