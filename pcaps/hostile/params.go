package hostile

import (
	"fmt"
	"math"
	"slices"
)

// Count is one size knob of the shapes.
type Count struct {
	Name    string
	Default int // full size
	Usage   string
}

// Counts lists every knob with its full-size default.
var Counts = []Count{
	{"idbs", 25_000_000, "interface description blocks in idb-flood"},
	{"sections", 1_000_000, "section headers in pcapng-sections"},
	{"bomb-mib", 1024, "MiB of zero frames in gzip-bomb"},
	{"bad-segments", 100_000, "segments with lying TCP/IP header lengths"},
	{"ext-headers", 1000, "IPv6 extension headers per packet"},
	{"ext-packets", 1000, "packets with that many extension headers"},
	{"fragments", 10_000, "overlapping IPv4 fragments of one datagram"},
	{"seq-jumps", 100_000, "control segments whose sequence numbers jump back and forth"},
	{"rsts", 200_000, "out-of-window RSTs before the FIN"},
	{"syns", 300_000, "SYNs per SYN-flood shape"},
	{"mib-lines", 16, "1 MiB lines each way in long-lines"},
	{"reply-lines", 1_000_000, "continuation lines of the 230- reply"},
	{"pasv", 1_000_000, "227 replies in one session"},
	{"ports", 1_000_000, "PORT commands to a third host in one session"},
	{"noop-sessions", 5000, "sessions in pipelined-noops"},
	{"noops", 10_000, "pipelined NOOPs per session"},
	{"empty-sessions", 10_000, "sessions in empty-lines"},
	{"empty-lines", 1000, "empty lines per session"},
	{"alive-sessions", 10_000, "open sessions in keepalive"},
	{"alive-rounds", 100, "NOOPs per session in keepalive, 0.1 s apart"},
	{"rate-sessions", 200_000, "short sessions at 1000 per second"},
	{"seq-sessions", 1_000_000, "short sequential sessions"},
	{"concurrent-sessions", 200_000, "concurrent sessions"},
}

// Params gives each count by name.
type Params map[string]int

// Defaults returns the full-size counts.
func Defaults() Params {
	p := Params{}
	for _, c := range Counts {
		p[c.Name] = c.Default
	}
	return p
}

// Scaled returns the counts multiplied by f, each at least 1.
func (p Params) Scaled(f float64) Params {
	q := Params{}
	for k, v := range p {
		q[k] = max(1, int(math.Round(float64(v)*f)))
	}
	return q
}

// n returns a count, its default when p lacks it. A name not in Counts
// is a programming error in a shape.
func (p Params) n(name string) int {
	i := slices.IndexFunc(Counts, func(c Count) bool { return c.Name == name })
	if i < 0 {
		panic(fmt.Sprintf("hostile: no count %q", name))
	}
	if v, ok := p[name]; ok {
		return v
	}
	return Counts[i].Default
}
