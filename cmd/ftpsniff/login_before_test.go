package main

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestLoginBeforeCaptureWording: a session picked up mid-stream whose
// server accepted commands only a logged-in user may send reads "login
// not visible (before the capture)", not "no login" (rev-partial
// cuts/passive-lftp/head26: 257, 150 and 226 beside "no login").
func TestLoginBeforeCaptureWording(t *testing.T) {
	for _, tc := range []struct {
		s    track.Session
		want string
	}{
		{track.Session{Midstream: true, LoginBefore: true}, "login not visible (before the capture)"},
		{track.Session{Midstream: true}, "no login"},
		{track.Session{Midstream: true, LoginBefore: true, Login: track.LoginOK}, "logged in"},
		// (rev-partial oneway/passive-ftplib-pasv-c2s: USER and PASS, no
		// reply in the capture.)
		{track.Session{OneSide: track.ClientSideOnly}, "login not visible (one direction captured)"},
		{track.Session{OneSide: track.ServerSideOnly, Login: track.LoginOK}, "logged in"},
	} {
		if got := loginString(&tc.s); got != tc.want {
			t.Errorf("login before %v, one side %v: %q, want %q", tc.s.LoginBefore, tc.s.OneSide, got, tc.want)
		}
	}
}
