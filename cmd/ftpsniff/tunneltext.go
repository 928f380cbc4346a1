package main

import (
	"strconv"
	"strings"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
)

// tunnelLine is the transcript's line under a session header that came
// inside a tunnel (track.Session.Tunnel): its kind and outer addresses,
// as information (a cloud mirror's VXLAN carries both sides from one
// source; only accusing findings are hedged: diagnose/tunnelhedge.go).
// "" when the session came in none.
func tunnelLine(s *track.Session) string {
	t := s.Tunnel()
	if t == nil {
		return ""
	}
	line := "inside a tunnel (" + safe(t.Kind) + "), outer " + tunnelSides(t)
	if n := t.Plain[0] + t.Plain[1]; n > 0 {
		line += "; " + strconv.FormatUint(uint64(n), 10) + " of its packets came outside it"
	}
	return line
}

// tunnelIndent: the tunnel line's first line, and its continuations.
var tunnelIndent = [2]string{"  ", "    "}

// tunnelLines is tunnelLine wrapped to width, as the other long lines
// are, never inside an "A -> B" pair of outer addresses. None when the
// session came in no tunnel.
func tunnelLines(s *track.Session, width int) []string {
	l := tunnelLine(s)
	if l == "" {
		return nil
	}
	// A pair is one word to wrap: its spaces are held as a byte that is
	// no space (safe() leaves no control byte in the kind) and put back.
	lines := wrap(strings.ReplaceAll(l, " -> ", "\x00->\x00"), width, tunnelIndent[0], tunnelIndent[1])
	for i := range lines {
		lines[i] = strings.ReplaceAll(lines[i], "\x00", " ")
	}
	return lines
}

// tunnelSides writes the outer addresses of each side's segments.
func tunnelSides(t *decode.Tunnel) string {
	side := func(i int) string { return t.OuterSrc[i].String() + " -> " + t.OuterDst[i].String() }
	switch {
	case t.Inside[0] > 0 && t.Inside[1] > 0 && t.OuterSrc[0] == t.OuterSrc[1] && t.OuterDst[0] == t.OuterDst[1]:
		return side(0) + " (the client's packets and the server's alike)"
	case t.Inside[0] > 0 && t.Inside[1] > 0:
		return side(0) + " (the client's packets), " + side(1) + " (the server's)"
	case t.Inside[0] > 0:
		return side(0) + " (the client's packets only)"
	}
	return side(1) + " (the server's packets only)"
}

// jsonTunnel writes a session's tunnel fields (docs/json.md).
func jsonTunnel(w *jsonWriter, s *track.Session) {
	t := s.Tunnel()
	if t == nil {
		return
	}
	w.str("tunnel", t.Kind)
	if t.Inside[0] > 0 {
		w.str("tunnel_client_outer_src", t.OuterSrc[0].String())
		w.str("tunnel_client_outer_dst", t.OuterDst[0].String())
	}
	if t.Inside[1] > 0 {
		w.str("tunnel_server_outer_src", t.OuterSrc[1].String())
		w.str("tunnel_server_outer_dst", t.OuterDst[1].String())
	}
	w.intOmit("tunnel_plain_packets", int64(t.Plain[0])+int64(t.Plain[1]))
	w.boolOmit("tunnel_accusations_hedged", s.TunnelUnverified())
}
