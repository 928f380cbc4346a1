// Package ftp parses the text of an FTP control connection: it turns one
// direction of a reassembled byte stream into lines, client lines into
// commands, server lines into RFC 959 replies, and command arguments and
// reply texts into data endpoints.
//
// Contract:
//
//   - Input is text the caller already reassembled, in order, per direction.
//     The package never sees packets and never imports gopacket; callers
//     report gaps by calling LineSplitter.Resync and ReplyReader.Reset.
//   - LineSplitter accepts CR LF and bare LF line ends (and LF CR: a CR
//     opening a line, followed by neither LF nor NUL, is dropped, not
//     made part of the next line; and with LoneCR, for a server's
//     stream, a CR alone once the stream shows its lines end so: see
//     Write and PeerSpoke; for a client's, a CR its line ends with when
//     the server answers: EndAtCR), removes Telnet
//     commands (RFC 854: IAC IAC is a literal 0xFF, WILL/WONT/DO/DONT and
//     their option byte, SB ... SE, the two-byte commands) keeping Telnet
//     state across writes, turns CR NUL into CR, and reports in TelnetFlags
//     what it removed, so the RFC 959 abort "IAC IP IAC DM ABOR" comes out
//     as "ABOR" with TelnetIP|TelnetDM.
//   - Everything is bounded: a line keeps at most MaxLine bytes (default
//     4096, extra bytes counted in Line.Dropped and the line still ends at
//     the peer's line end); a reply keeps at most MaxLines lines and
//     MaxBytes bytes (extra lines counted in Reply.Dropped). No loop runs
//     longer than its input.
//   - Malformed input returns a sentinel error or an anomaly bit, never a
//     panic, and never stops the parser: the next line is parsed normally.
//   - The per-line path allocates only what the caller keeps: Line.Text
//     aliases an internal buffer (valid during the callback), known command
//     verbs are shared constant strings, and argument and reply strings are
//     fresh copies.
//   - Values are comparable: netip.AddrPort, netip.Addr, small integer
//     enums. IPv4 endpoints are always 4-byte addresses.
//
// Endpoints are parsed as their RFC writes them. A PORT or EPRT argument
// that breaks that syntax in a way common servers accept ("0,25,",
// "0,+25", an EPRT with no closing '|' or with a zone on a global IPv6
// address) is read, by ParsePORTLoose and ParseEPRTLoose, as those
// servers read it; a form they read differently is not read. A 227 that
// holds the port alone, as ProFTPD writes it on IPv6 ("(1,156,108)"), is
// read as the clients that read it do: ParsePASV returns the port with
// no address (FormPortOnly), as ParseEPSV does for a 229.
//
// The package never interprets what it parses: it does not pair replies
// with commands (see ValidReply for the table that helps), does not decide
// which address a data connection really uses, and does not escape text for
// display. Reply and argument strings are peer-controlled and may contain
// terminal escape sequences; printing them safely is the output's job.
//
// Known verbs (IsKnownVerb): RFC 959 USER PASS ACCT CWD CDUP SMNT REIN QUIT
// PORT PASV TYPE STRU MODE RETR STOR STOU APPE ALLO REST RNFR RNTO ABOR DELE
// RMD MKD PWD LIST NLST SITE SYST STAT HELP NOOP; RFC 775/1123 XCWD XCUP
// XMKD XPWD XRMD; RFC 1639 LPRT LPSV; RFC 2228/4217 AUTH ADAT PROT PBSZ CCC
// MIC CONF ENC; RFC 2389 FEAT OPTS; RFC 2428 EPRT EPSV; RFC 2640 LANG;
// RFC 3659 MDTM SIZE MLST MLSD; RFC 7151 HOST; and the common CLNT, MFMT
// MFCT MFF (draft-somers-ftp-mfxx), HASH XCRC XMD5 XSHA1 XSHA256 XSHA512
// (checksums) and AVBL.
package ftp
