package main

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// maxServerBlocks bounds the server blocks of the summary view (without
// -v): a failing server's block (verdict, change lines, each finding
// with its fix) is 20 to 60 lines at 100 columns, so ten of them are ten
// to a dozen screens, the most a reader works through before acting on
// the first. A capture of failures at thousands of servers (a scan, a
// blocked network) would otherwise give one block each: 1,000 blocks
// (diagnose.MaxServers) plus the collapser's servers past them, 100,000
// lines. The servers past the bound are one line per finding code
// (writeOmittedServers).
const maxServerBlocks = 10

// serversNamedPerCode is how many servers a line of writeOmittedServers
// names as examples.
const serversNamedPerCode = 3

// serverBlocks is which servers get a block of their own: all of them
// (omitted empty), or, past maxServerBlocks, the first by rank (chosen);
// omitted are the others, in rank order.
type serverBlocks struct {
	chosen  map[netip.AddrPort]bool
	omitted []netip.AddrPort
}

// writes tells whether server gets a block of its own.
func (b *serverBlocks) writes(server netip.AddrPort) bool {
	return len(b.omitted) == 0 || b.chosen[server]
}

// serverAffected is, per server, how many sessions its most severe
// findings touched (the most of any one of its collapsed entries of that
// severity): what orders servers of the same rank.
func (o *textOutput) serverAffected() map[netip.AddrPort]int {
	if o.collapse == nil {
		return nil
	}
	type worst struct {
		sev      diagnose.Severity
		sessions int
	}
	w := map[netip.AddrPort]worst{}
	for _, e := range o.collapse.order {
		cur, ok := w[e.key.server]
		switch {
		case !ok || e.sev > cur.sev:
			w[e.key.server] = worst{e.sev, e.sessionsN}
		case e.sev == cur.sev && e.sessionsN > cur.sessions:
			w[e.key.server] = worst{e.sev, e.sessionsN}
		}
	}
	m := make(map[netip.AddrPort]int, len(w))
	for a, x := range w {
		m[a] = x.sessions
	}
	return m
}

// rankServers sorts the server summaries for their blocks: servers with
// errors first, then with warnings, then the others (serverRank); within
// each, those whose findings touched more sessions first; then the
// diagnosis's order.
func (o *textOutput) rankServers(servers []diagnose.ServerSummary) {
	affected := o.serverAffected()
	slices.SortStableFunc(servers, func(a, b diagnose.ServerSummary) int {
		if c := cmp.Compare(o.serverRank(a.Server), o.serverRank(b.Server)); c != 0 {
			return c
		}
		return cmp.Compare(affected[b.Server], affected[a.Server])
	})
}

// chooseServerBlocks decides which servers get a block in the summary
// view: every one that would (those of servers, in their order, and
// those with findings but no summary, past diagnose.MaxServers), unless
// they are more than maxServerBlocks; then the first maxServerBlocks by
// rank, errors first, then sessions affected. -v and the view after
// transcripts write every block.
func (o *textOutput) chooseServerBlocks(servers []diagnose.ServerSummary, grouped map[netip.AddrPort]bool) *serverBlocks {
	b := &serverBlocks{}
	if o.view != viewSummary || o.verbose {
		return b
	}
	var cands []netip.AddrPort
	summarised := make(map[netip.AddrPort]bool, len(servers))
	for _, s := range servers {
		summarised[s.Server] = true
		if s.Verdict == "" && s.PortsAnnounced.Count == 0 && len(s.Findings) == 0 {
			continue
		}
		if !o.sel.selectsServer(s.Server) || grouped[s.Server] {
			continue
		}
		cands = append(cands, s.Server)
	}
	if o.collapse != nil {
		seen := map[netip.AddrPort]bool{}
		for _, e := range o.collapse.order {
			a := e.key.server
			if summarised[a] || seen[a] || e.shown || !o.collapsedShown(e) || !o.sel.selectsServer(a) {
				continue
			}
			seen[a] = true
			cands = append(cands, a)
		}
	}
	if len(cands) <= maxServerBlocks {
		return b
	}
	// The servers without a summary in the order of rank too (the
	// summarised ones are sorted already: a stable sort keeps them).
	affected := o.serverAffected()
	rank := make(map[netip.AddrPort]int, len(cands))
	for _, a := range cands {
		rank[a] = o.serverRank(a)
	}
	ranked := slices.Clone(cands)
	// (Ties keep cands' order: the sort is stable.)
	slices.SortStableFunc(ranked, func(x, y netip.AddrPort) int {
		if c := cmp.Compare(rank[x], rank[y]); c != 0 {
			return c
		}
		return cmp.Compare(affected[y], affected[x])
	})
	b.chosen = make(map[netip.AddrPort]bool, maxServerBlocks)
	for _, a := range ranked[:maxServerBlocks] {
		b.chosen[a] = true
	}
	b.omitted = ranked[maxServerBlocks:]
	return b
}

// writeOmittedServers writes the servers chooseServerBlocks left without
// a block: how many, and one line per finding (severity and code) with
// how many of them raised it, in how many sessions, and a few of their
// addresses; then how to see one server's block, or all.
func (o *textOutput) writeOmittedServers(b *serverBlocks) {
	if len(b.omitted) == 0 {
		return
	}
	p := o.p
	type codeSev struct {
		code string
		sev  diagnose.Severity
	}
	type group struct {
		servers  []netip.AddrPort // in rank order, each once
		sessions int
	}
	groups := map[codeSev]*group{}
	var keys []codeSev
	quiet := 0 // servers with no finding a block would write
	for _, a := range b.omitted {
		es := o.collapsedOf(a)
		if len(es) == 0 {
			quiet++
			continue
		}
		for _, e := range es {
			e.shown = true
			k := codeSev{e.code(), e.sev}
			g := groups[k]
			if g == nil {
				g = &group{}
				groups[k] = g
				keys = append(keys, k)
			}
			if len(g.servers) == 0 || g.servers[len(g.servers)-1] != a {
				g.servers = append(g.servers, a)
			}
			g.sessions += e.sessionsN
		}
	}
	// Errors first, then warnings, then info; within each, the finding
	// of the most servers first.
	slices.SortStableFunc(keys, func(x, y codeSev) int {
		if c := cmp.Compare(y.sev, x.sev); c != 0 {
			return c
		}
		return cmp.Compare(len(groups[y].servers), len(groups[x].servers))
	})
	n := len(b.omitted)
	o.para("", p.head.Sprintf("%d more server%s", n, plural(n)), fmt.Sprintf("without a block of their own (the first %d, by errors, then sessions affected, are above):", maxServerBlocks), "  ")
	for _, k := range keys {
		g := groups[k]
		names := make([]string, 0, serversNamedPerCode)
		for _, a := range g.servers[:min(len(g.servers), serversNamedPerCode)] {
			names = append(names, a.String())
		}
		eg := strings.Join(names, ", ")
		if len(g.servers) > serversNamedPerCode {
			eg = "e.g. " + eg
		}
		head := o.severityColor(k.sev).Sprintf("%s %s", k.sev, k.code)
		o.para("  ", head, fmt.Sprintf("at %d server%s, %d session%s (%s)", len(g.servers), plural(len(g.servers)), g.sessions, plural(g.sessions), eg), "    ")
	}
	if quiet > 0 {
		o.printf("  %s\n", p.dim.Sprintf("%d with no finding to write here (a verdict, passive ports or info of one session only)", quiet))
	}
	o.printf("  %s\n", p.dim.Sprint("(--server ADDR:PORT writes one server's block, -v every block, --json lists every finding)"))
	o.printf("\n")
}

// minSharedFix is the shortest leading part, in bytes, two fixes of one
// server block share for the later one to point to the earlier (about
// two wrapped lines): a shorter one costs less to read again than to
// look up.
const minSharedFix = 160

// blockFixes are the fixes a server block has written in full, each with
// the finding it was written under ("data-refused in session 2"), for
// the later findings of the block whose fix is the same, or begins the
// same, to point to instead of repeating a paragraph of a dozen lines.
type blockFixes struct {
	written []writtenFix
}

type writtenFix struct {
	fix, code, name string
}

// fixRef is how a finding's fix points to one written above: name, the
// finding it was written under; dropped, how many of that fix's last
// sentences do not hold here (0 or 1); rest, what this fix says after the part
// they share ("" when nothing).
type fixRef struct {
	name    string
	dropped int
	rest    string
}

// refer returns how the fix of a finding of code points to a fix written
// above: one identical, or the one sharing the longest leading part of
// minSharedFix or more, ending at a sentence's end, all of it but its
// last sentence at most; nil when none does
// (the fix is then written in full, and remembered as name's). A fix
// never points to one of its own code: "as for data-refused above"
// under data-refused reads as itself.
func (b *blockFixes) refer(fix, code, name string) *fixRef {
	var best *fixRef
	bestShared := 0
	for _, w := range b.written {
		if w.code == code {
			continue
		}
		if w.fix == fix {
			return &fixRef{name: w.name}
		}
		n := sharedSentences(w.fix, fix)
		if n < minSharedFix || n <= bestShared {
			continue
		}
		// "but for its last sentence" is found at a glance; "but for
		// its last 3 sentences" has the reader count back through a
		// wrapped paragraph: written in full instead.
		if dropped := sentencesIn(w.fix[n:]); dropped <= 1 {
			bestShared = n
			best = &fixRef{name: w.name, dropped: dropped, rest: strings.TrimLeft(fix[n:], " \n")}
		}
	}
	if best == nil {
		b.written = append(b.written, writtenFix{fix: fix, code: code, name: name})
	}
	return best
}

// sharedSentences is the length of the longest leading part a and b
// share that ends, in each, at the end of a sentence: a period at the
// end of the text or of a line, or before a space and a capital letter
// (not "e.g. pasv_min_port").
func sharedSentences(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	for ; n > 0; n-- {
		if sentenceEnd(a, n) && sentenceEnd(b, n) {
			return n
		}
	}
	return 0
}

// sentenceEnd tells whether s[:i] ends a sentence.
func sentenceEnd(s string, i int) bool {
	if i == 0 || s[i-1] != '.' {
		return false
	}
	if i == len(s) || s[i] == '\n' {
		return true
	}
	return s[i] == ' ' && i+1 < len(s) && 'A' <= s[i+1] && s[i+1] <= 'Z'
}

// sentencesIn counts the sentences of s (sentenceEnd's ends, the last
// one counted whether it ends with a period or not).
func sentencesIn(s string) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	n := 0
	for i := 1; i < len(s); i++ {
		if sentenceEnd(s, i) {
			n++
		}
	}
	return n + 1
}

// words is how the fix line says r: "as for data-refused in session 2
// above, but for its last sentence; then: If ...".
func (r *fixRef) words() string {
	s := "as for " + r.name + " above"
	if r.dropped > 0 {
		s += ", but for its last sentence" // (refer: one at most)
	}
	if r.rest != "" {
		s += "; then: " + r.rest
	}
	return s
}
