package main

import (
	"strconv"

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
