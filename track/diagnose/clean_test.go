package diagnose

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// faultCaptures are the captures made to show a fault, with the warning and
// error codes each may raise. Every other capture in pcaps/ and the shared
// corpus is clean: no warning or error may fire on it.
var faultCaptures = map[string][]string{
	// pcaps/real
	"active-client-firewall.pcap": {CodeActiveBlocked, CodeServerDataError},
	// Transfers stalled behind a path MTU black hole (pcaps/real/README.md,
	// 2026-12-06).
	"pmtu-small-client.pcap":     {CodePMTUBlackHole},
	"pmtu-hostfw-client.pcap":    {CodePMTUBlackHole, CodeTransferStalled},
	"pmtu-v6-client.pcap":        {CodePMTUBlackHole, CodeTransferStalled},
	"pmtu-blackhole-client.pcap": {CodeTransferStalled},
	"pmtu-upload-client.pcap":    {CodePMTUBlackHole},
	"pmtu-upload-server.pcap":    {CodeTransferStalled},
	// The failure stories recorded last (pcaps/real/README.md): a NAT'd
	// client's PORT/EPRT refused (story 10), a load balancer splitting
	// control and data (8), 0.0.0.0 announced and an invalid forced IP
	// (13), a passive range with min and max swapped (15).
	"client-nat-active-vsftpd-client.pcap":    {CodeActiveRefused},
	"client-nat-active-vsftpd-server.pcap":    {CodeNATMismatch},
	"client-nat-active-proftpd-client.pcap":   {CodeActiveRefused},
	"client-nat-active-proftpd-server.pcap":   {CodeNATMismatch},
	"client-nat-active-pureftpd-client.pcap":  {CodeActiveRefused},
	"client-nat-active-pureftpd-server.pcap":  {CodeNATMismatch},
	"client-nat-active-pyftpdlib-client.pcap": {CodeActiveRefused},
	"client-nat-active-pyftpdlib-server.pcap": {CodeNATMismatch},
	"lb-split-client.pcap":                    {CodeDataRefused, CodeModeFallback},
	"lb-split-backend-a.pcap":                 {CodeDataNotAttempted},
	"pasv-zero-vsftpd.pcap":                   {CodeNATMismatch, CodeDataNotAttempted},
	"pasv-zero-proftpd.pcap":                  {CodeNATMismatch, CodeDataNotAttempted},
	"pasv-zero-pureftpd.pcap":                 {CodeNATMismatch, CodeDataNotAttempted},
	"pasv-zero-pyftpdlib.pcap":                {CodeNATMismatch, CodeDataNotAttempted},
	"pureftpd-forced-ip-invalid.pcap":         {CodeSessionRefused, CodeServerConfigError},
	"pasv-range-swapped-vsftpd.pcap":          {CodeDataUnanswered, CodeDataNotAttempted},
	"pasv-range-swapped-proftpd.pcap":         {CodeDataUnanswered, CodeDataNotAttempted},
	"pasv-range-swapped-pureftpd.pcap":        {CodeControlRefused},
	// Servers without passive settings, and Twisted (rev31).
	"inetutils-ftpd-pasv-drop.pcap": {CodeDataUnanswered, CodeDataNotAttempted},
	"inetutils-ftpd-nat.pcap":       {CodeNATMismatch, CodeDataRefused, CodeDataUnanswered},
	"twisted-nat.pcap":              {CodeNATMismatch},
	// Control connections that never opened.
	"control-refused.pcap":     {CodeControlRefused},
	"control-reject-icmp.pcap": {CodeControlUnreachable},
	"control-drop.pcap":        {CodeControlUnanswered},
	"control-synack-drop.pcap": {CodeControlUnanswered},
	// Server dialects: its third session is an IIS greeting of 530 to a
	// client address its IP restrictions turn away.
	"server-dialects.pcap": {CodeSessionRefused},
	// pyftpdlib connecting back at the PORT to a client whose firewall
	// rejects or drops it: its 425/421 answers the PORT (active-blocked
	// alone speaks).
	"pyftpdlib-active-client-reject.pcap": {CodeActiveBlocked},
	"pyftpdlib-active-client-drop.pcap":   {CodeActiveBlocked},
	// ProFTPD and Pure-FTPd (pcaps/real/README.md). pureftpd-ftps.pcap
	// has no data-tls-not-resumed: Pure-FTPd takes unresumed data
	// connections and sends the file on them.
	"proftpd-ftps-reuse.pcap":               {CodeControlEncrypted, CodeTLSNotResumed},
	"proftpd-ftps-upload.pcap":              {CodeControlEncrypted, CodeTLSNotResumed},
	"proftpd-ftps-lftp.pcap":                {CodeControlEncrypted},
	"pureftpd-ftps-upload.pcap":             {CodeControlEncrypted},
	"vsftpd-ftps-ftplib.pcap":               {CodeControlEncrypted, CodeTLSNotResumed},
	"proftpd-nat-no-masquerade-client.pcap": {CodeNATMismatch, CodeDataUnanswered},
	"proftpd-nat-no-masquerade-server.pcap": {CodeNATMismatch, CodeDataNotAttempted},
	"proftpd-pasv-drop.pcap":                {CodeDataUnanswered, CodeDataNotAttempted},
	"pureftpd-ftps.pcap":                    {CodeControlEncrypted},
	"pureftpd-natmode.pcap":                 {CodePassiveRefused},
	// Small TLS 1.3 transfers that worked (vsftpd, Pure-FTPd): no
	// data-tls-not-resumed.
	"vsftpd-ftps-small.pcap":   {CodeControlEncrypted},
	"pureftpd-ftps-small.pcap": {CodeControlEncrypted},
	// pyftpdlib (pcaps/real/README.md).
	"pyftpdlib-data-source-nat.pcap":          {CodeDataSourceNAT},
	"pyftpdlib-data-source-nat-2.pcap":        {CodeDataSourceNAT},
	"pyftpdlib-ftps.pcap":                     {CodeControlEncrypted, CodeTLSReset},
	"pyftpdlib-nat-no-masquerade-client.pcap": {CodeNATMismatch, CodeDataUnanswered},
	"pyftpdlib-nat-no-masquerade-server.pcap": {CodeNATMismatch, CodeDataNotAttempted},
	"pureftpd-nat-no-forced-ip-client.pcap":   {CodeNATMismatch, CodeDataUnanswered},
	"pureftpd-nat-no-forced-ip-server.pcap":   {CodeNATMismatch, CodeDataNotAttempted},
	"pureftpd-pasv-drop.pcap":                 {CodeDataUnanswered, CodeDataNotAttempted},
	"control-idle-nat-client.pcap":            {CodeControlIdle, CodeNATMismatch},
	"control-idle-nat-server.pcap":            {CodeControlIdle},
	"data-source-nat.pcap":                    {CodeDataSourceNAT},
	"ftps-explicit.pcap":                      {CodeControlEncrypted},
	"ftps-concurrent-vsftpd.pcap":             {CodeControlEncrypted},
	"ftps-reuse-required.pcap":                {CodeControlEncrypted, CodeTLSNotResumed},
	"ftps-other-services-vsftpd.pcap":         {CodeControlEncrypted},
	"ftps-active-curl-gave-up.pcap":           {CodeControlEncrypted, CodeTLSRequired, CodeActiveBlocked},
	"helper-nat-ftps-client.pcap":             {CodeControlEncrypted},
	"helper-nat-ftps-server.pcap":             {CodeControlEncrypted},
	"router-drop-data-syn-client.pcap":        {CodeNATMismatch, CodeDataUnanswered},
	"router-drop-data-syn-server.pcap":        {CodeNATMismatch, CodeDataNotAttempted},
	"router-drop-data-synack-client.pcap":     {CodeNATMismatch, CodeDataUnanswered},
	// Seen past the drop: each SYN answered, the client re-sending it
	// (the SYN-ACKs lost on the way back), before the capture ended.
	"router-drop-data-synack-server.pcap":      {CodeDataUnanswered},
	"router-drop-data-synack-router-in.pcap":   {CodeDataUnanswered},
	"login-brute-force.pcap":                   {CodeLoginAttack},
	"nat-no-pasv-address-default-client.pcap":  {CodeNATMismatch},
	"nat-no-pasv-address-trusting-client.pcap": {CodeDataUnanswered, CodeNATMismatch},
	"nat-no-pasv-address-trusting-server.pcap": {CodeDataNotAttempted, CodeNATMismatch},
	"pasv-address-invalid.pcap":                {CodeServerConfigError},
	"pasv-drop.pcap":                           {CodeDataNotAttempted, CodeDataUnanswered},
	"pasv-outside-range.pcap":                  {CodeDataNotAttempted, CodeDataUnanswered},
	"pasv-reject-icmp.pcap":                    {CodeDataUnreachable},
	"pasv-reject-icmp6.pcap":                   {CodeDataUnreachable},
	"pasv-reject-rst.pcap":                     {CodeDataRefused},
	// nf_conntrack_ftp dropped the first piece of a 227 and of a PORT
	// written in two, on every retransmission (undelivered_test.go).
	"helper-split-227-server.pcap":  {CodeControlUndelivered, CodeDataNotAttempted},
	"helper-split-port-client.pcap": {CodeControlUndelivered},
	// An admin's day (pcaps/real/README.md): FTPS whose endpoints are
	// encrypted, and the NAT router captured with -i any, whose third curl
	// trusts the private 227 (the router drops its SYNs; the private
	// side's copy of the session sees none of them).
	"ftps-ccc-proftpd.pcap":      {CodeControlEncrypted},
	"implicit-ftps-vsftpd.pcap":  {CodeControlEncrypted},
	"implicit-ftps-proftpd.pcap": {CodeControlEncrypted},
	"nat-router-any.pcap":        {CodeNATMismatch, CodeDataNotAttempted, CodeDataUnanswered},
	// The control channel's TLS mismatches (pcaps/real/README.md): the
	// mismatches themselves, and, beside them, a working implicit FTPS
	// session, port 990 refused and dropped, FTPS sessions whose PROT C
	// data the server resets.
	"tls-mode-explicit-to-990.pcap": {CodeTLSModeMismatch},
	"tls-mode-implicit-to-21.pcap":  {CodeTLSModeMismatch},
	"implicit-ftps-fail.pcap":       {CodeControlTLSFailed, CodeControlEncrypted, CodeTLSModeMismatch, CodeControlRefused, CodeControlUnanswered},
	"auth-tls-refused.pcap":         {CodeControlTLSUnavailable},
	"tls-required-clear.pcap":       {CodeControlTLSRequired, CodeTLSRequired, CodeControlEncrypted},

	// The classic FTPS hang: the server's certificate flight lost in a
	// path MTU black hole, on both sides (pcaps/real/README.md), and
	// over implicit FTPS (pcaps/synthetic).
	"pmtu-ftps-client.pcap":   {CodeControlTLSUnfinished},
	"pmtu-ftps-server.pcap":   {CodeControlTLSUnfinished},
	"implicit-ftps-hang.pcap": {CodeControlTLSUnfinished},
	// pcaps/synthetic
	"bounce-scan.pcap":      {CodeFTPBounce},
	"epsv-filtered.pcap":    {CodeDataUnanswered, CodeModeFallback},
	"final-reply-250.pcap":  {CodeUnusualFinalReply},
	"iis-nat.pcap":          {CodeNATMismatch, CodeDataUnanswered},
	"ftps-elsewhere.pcap":   {CodeControlEncrypted, CodeNATMismatch, CodeDataUnanswered},
	"ftps-ccc-refused.pcap": {CodeTLSNotResumed, CodeServerDataError},
	// A quota's 552 and a full disk's 451 on STOR after their 150.
	"ftps-ccc-other-refusals.pcap": {CodeTransferAborted},
	"outcomes.pcap":                {CodeDataNotAttempted, CodeDataRefused, CodeDataUnanswered, CodeDataUnreachable},
	"range-exhausted.pcap":         {CodeDataUnanswered, CodeRangeExhausted},
	// A data connection that never reached the server behind its NAT.
	"pasv-unreached-server-side.pcap": {CodeDataNotAttempted, CodeServerDataError},
	// A load balancer sending a session's data SYNs to another backend
	// than its control connection's (story 8).
	"lb-other-backend.pcap": {CodeDataRefused},
	// A firewall that inspects FTP cuts the session at a line it denies:
	// a reset at a command or a 227, a command dropped.
	"asa-deny-cmd-reset.pcap":        {CodeControlReset},
	"asa-227-tail-reset-client.pcap": {CodeControlReset},
	"asa-227-tail-reset-server.pcap": {CodeControlReset},
	"asa-deny-cmd-drop.pcap":         {CodeCommandUnanswered},
	"nat-idle-cmd-reset.pcap":        {CodeControlReset},
	"server-closed-cmd-reset.pcap":   {CodeControlReset},
	"server-closed-unanswered.pcap":  {CodeCommandUnanswered},
	// A review's double NAT (the client's home NAT does not rewrite PORT;
	// with no helper in front of the server the 227's private address is
	// unreachable) and a router stopping both modes (verdict_modes_test.go);
	// a client host's firewall dropping the 226 after an idle transfer.
	"double-nat-server-helper-server.pcap": {CodeNATMismatch},
	"double-nat-none-server.pcap":          {CodeNATMismatch, CodeDataNotAttempted},
	"ipv6-router-reject-server.pcap":       {CodeActiveBlocked, CodeServerDataError, CodeDataNotAttempted},
	"ipv6-router-drop-server.pcap":         {CodeActiveBlocked, CodeServerDataError, CodeDataNotAttempted},
	"client-host-fw-idle-cut.pcap":         {CodeControlIdle, CodeControlUndelivered},
	// SYNs to the endpoint of a 227 that answered no command, its
	// client's own, unanswered (pcaps/synth/scenarios_unsolicited.go).
	"unsolicited-passive-used.pcap": {CodeDataUnanswered, CodeServerDataError},
	// The same to ports 3306 and 445, a warning with both readings; and
	// an FTPS session's connection (control-encrypted).
	"unsolicited-passive-injected.pcap":      {CodeDataUnanswered},
	"unsolicited-passive-other-session.pcap": {CodeControlEncrypted},
	// An FTPS session beside them (control-encrypted); SYN-ACKs to the
	// client's SYNs that never reached it, and the RETR's 425.
	"unsolicited-passive-ftps-other.pcap":  {CodeControlEncrypted},
	"unsolicited-passive-synack-lost.pcap": {CodeDataUnanswered, CodeServerDataError},
	// Captured on the box that drops data SYNs, or beyond which they are
	// dropped (pcaps/synth/scenarios_boxdrop.go).
	"box-router-any-drop.pcap":         {CodeDataUnanswered, CodeServerDataError},
	"box-router-any-active-drop.pcap":  {CodeActiveBlocked, CodeServerDataError},
	"box-nat-any-drop.pcap":            {CodeDataUnanswered, CodeServerDataError},
	"box-router-two-ports-drop.pcapng": {CodeDataUnanswered, CodeServerDataError},
	"box-router-any-beyond.pcap":       {CodeDataUnanswered, CodeServerDataError},
	"box-server-host-any-drop.pcap":    {CodeDataUnanswered, CodeServerDataError},
	"box-dnat-any-drop.pcap":           {CodeDataUnanswered, CodeServerDataError},
	// A transfer stalled half-way (pcaps/synth scenarios_stall.go).
	"stall-halfway-226-later.pcap": {CodeTransferStalled},
	"stall-halfway-probes.pcap":    {CodeTransferStalled},
	// A reset at a command after minutes without a line (keepalives
	// crossing it both ways, or nothing), and the client's own reset
	// right after a 227 (pcaps/synth/scenarios_ctlrst.go).
	// Eight logins of admin whose passwords (Guess000 to Guess007) a
	// snap length cut to "PASS Guess": not comparable, so no stored
	// credential retried; guessing (pcaps/synth/scenarios_snapcut.go).
	"snap-cut-passwords.pcap":         {CodeLoginAttack},
	"ctlrst-keepalive-cmd-reset.pcap": {CodeControlReset},
	"ctlrst-silent-cmd-reset.pcap":    {CodeControlReset},
	"ctlrst-client-abort-227.pcap":    {CodeControlReset},
	// A 226 after a silent transfer answered at once by a router's RST
	// in the client's name (synthetic, and the review's recording), and
	// a box's reset after an unanswered command.
	"ctlrst-idle-226-nat-reset.pcap":   {CodeControlIdle},
	"control-cut-download-server.pcap": {CodeControlIdle},
	"ctlrst-unanswered-box-reset.pcap": {CodeCommandUnanswered},
	// A firewall's reset in the server's name at a DELE, the server's
	// 250 at once or 10 s later shown after it, in the session: the
	// server did the command the client was told was reset.
	"ctlrst-fw-rst-server-replies-resent.pcap":     {CodeControlReset},
	"ctlrst-fw-rst-server-replies-once.pcap":       {CodeControlReset},
	"ctlrst-fw-rst-server-replies-client-rst.pcap": {CodeControlReset},
	"ctlrst-fw-rst-server-late-resent.pcap":        {CodeControlReset},
	"ctlrst-fw-rst-server-late-once.pcap":          {CodeControlReset},
	"ctlrst-fw-rst-server-late-client-rst.pcap":    {CodeControlReset},
	// ../shared/corpus: Suricata's bounce test, Zeek's brute force, AUTH
	// TLS and 500 unanswered PORTs to a third host (a bounce attempt,
	// issue 8), Suricata's real-server capture with a 425, and its server
	// that closes right after the handshake with no banner (the client's
	// QUIT draws an RST). Not here: Suricata's address-leak capture, whose
	// PORTs name another address but whose server connects back to the
	// client's own (an info ftp-bounce), and its EPRT naming an IPv6
	// address over IPv4, which a dual-stack client may do for its own
	// address (an info ftp-bounce).
	"ftp-bounce.pcap":                 {CodeFTPBounce},
	"ftp-retr-bypass-realserver.pcap": {CodeServerDataError},
	"ftp-quit.pcap":                   {CodeSessionRefused},
	"bruteforce.pcap":                 {CodeLoginAttack},
	"ftp-auth-tls.pcap":               {CodeControlEncrypted},
	// GridFTP with GSI: after ADAT, every command is an RFC 2228 ENC, so
	// its PASV and 227 are hidden from helpers as under TLS.
	"globus-url-copy.pcap":              {CodeControlEncrypted},
	"globus-url-copy-bad-encoding.pcap": {CodeControlEncrypted},
	"ftp-many-port-expected.pcap.gz":    {CodeFTPBounce},

	// The reviewer's two-point recordings (pcaps/real/README.md), cut to
	// the control connection: the 226 lost at a home router, dropped by
	// the client's own firewall.
	"control-cut-download-client.pcap": {CodeControlIdle},
	"client-host-fw-cut-client.pcap":   {CodeControlIdle, CodeControlUndelivered},
	"client-host-fw-cut-server.pcap":   {CodeControlIdle, CodeControlUndelivered},
}

// TestCleanCapturesRaiseNoAlarm runs every capture in pcaps/real,
// pcaps/synthetic and ../shared/corpus (skipped when absent) and checks
// that no warning or error fires on a clean one, and that a fault capture
// raises no warning or error beyond the codes it was made to show: a new
// finding must not fire on traffic that does not prove it.
func TestCleanCapturesRaiseNoAlarm(t *testing.T) {
	var files []string
	for _, dir := range []string{"../../pcaps/real", "../../pcaps/synthetic", "../../../shared/corpus"} {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".pcap") || strings.HasSuffix(p, ".pcapng") || strings.HasSuffix(p, ".pcap.gz")) {
				files = append(files, p)
			}
			return nil
		})
	}
	if len(files) < 40 {
		t.Fatalf("only %d captures found", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			rec, _ := run(t, f, policy.Policy{})
			allowed := faultCaptures[filepath.Base(f)]
			for _, x := range rec.findings {
				if x.Severity >= SeverityWarning && !slices.Contains(allowed, x.Code) {
					t.Errorf("%s %s on a capture that does not show it: %s (evidence: %s)", x.Severity, x.Code, x.Message, x.Evidence)
				}
			}
		})
	}
}
