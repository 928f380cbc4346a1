package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// scenario is one generated file.
type scenario struct {
	file  string
	build func() ([]byte, error)
}

// scenarios lists every file in the order the README describes them.
func scenarios() []scenario {
	return []scenario{
		{"walkthrough.pcap", built(walkthrough)},
		{"split-lines.pcap", built(splitLines)},
		{"reordered.pcap", built(reordered)},
		{"gap.pcap", built(gap)},
		{"midstream.pcap", built(midstream)},
		{"lpsv-lprt.pcap", built(lpsvLprt)},
		{"seq-wrap.pcap", built(seqWrap)},
		{"linktypes-vlan.pcap", built(linktypeVLAN)},
		{"linktypes-qinq.pcap", built(linktypeQinQ)},
		{"linktypes-sll.pcap", built(linktypeSLL)},
		{"linktypes-sll2.pcap", built(linktypeSLL2)},
		{"linktypes-raw.pcap", built(linktypeRaw)},
		{"linktypes-null.pcap", built(linktypeNull)},
		{"multi-iface.pcapng", built(multiIface)},
		{"nanosecond.pcap", built(nanosecond)},
		{"fragments.pcap", built(fragments)},
		{"outcomes.pcap", built(outcomes)},
		{"nonstandard-port.pcap", built(nonstandardPort)},
		{"hostile.pcap", built(hostile)},
		{"passwords.pcap", built(passwords)},
		{"pass-bare-cr.pcap", built(passBareCR)},
		{"tunnels.pcapng", built(tunnels)},
		{"truncated.pcap", truncated},
		{"epsv-forms.pcap", built(epsvForms)},
		{"many-lines.pcap", built(manyLines)},
		{"bounce-scan.pcap", built(bounceScan)},
		{"simultaneous-open.pcap", built(simultaneousOpen)},
		{"final-reply-250.pcap", built(finalReply250)},
		{"epsv-filtered.pcap", built(epsvFiltered)},
		{"range-exhausted.pcap", built(rangeExhausted)},
		{"extract-gap.pcap", built(extractGap)},
		{"offload-lengths.pcap", built(offloadLengths)},
		{"extract-abort.pcap", built(extractAbort)},
		{"extract-rest.pcap", built(extractRest)},
		{"extract-type-a.pcap", built(extractTypeA)},
		{"extract-active-stor.pcap", built(extractActiveStor)},
		{"ftps-ccc.pcap", built(ftpsCCC)},
		{"ftps-ccc-refused.pcap", built(ftpsCCCRefused)},
		{"ftps-ccc-sized-retr.pcap", built(ftpsCCCSizedRetr)},
		{"ftps-alert-clear.pcap", built(ftpsAlertClear)},
		{"ftps-elsewhere.pcap", built(ftpsElsewhere)},
		{"capture-ends-early.pcap", built(captureEndsEarly)},
		{"login-reply-gap.pcap", built(loginReplyGap)},
		{"tunnels-fragmented.pcapng", built(tunnelsFragmented)},
		{"iis-nat.pcap", built(iisNAT)},
		{"ftps-ccc-other-refusals.pcap", built(ftpsCCCOtherRefusals)},
		{"pasv-unreached-server-side.pcap", built(pasvUnreachedServerSide)},
		{"server-dialects.pcap", built(serverDialects)},
		{"lb-other-backend.pcap", built(lbOtherBackend)},
		{"asa-deny-cmd-reset.pcap", built(asaDenyCmdReset)},
		{"asa-deny-cmd-drop.pcap", built(asaDenyCmdDrop)},
		{"asa-227-tail-reset-client.pcap", built(asa227TailReset(true))},
		{"asa-227-tail-reset-server.pcap", built(asa227TailReset(false))},
		{"nat-idle-cmd-reset.pcap", built(natIdleCmdReset)},
		{"implicit-ftps-hang.pcap", built(implicitFTPSHang)},
		{"ctlrst-keepalive-cmd-reset.pcap", built(keepaliveCmdReset(true))},
		{"ctlrst-silent-cmd-reset.pcap", built(keepaliveCmdReset(false))},
		{"ctlrst-client-abort-227.pcap", built(clientAbortAfter227)},
		{"ctlrst-far-rst-client-quiet-goes-on.pcap", built(farRSTClientQuietGoesOn)},
		{"ctlrst-odd-rst-server-goes-on.pcap", built(oddRSTServerGoesOn)},
		{"ctlrst-far-rst-client-goes-on.pcap", built(farRSTClientGoesOn)},
		{"ctlrst-idle-226-nat-reset.pcap", built(idleReplyReset(true))},
		{"ctlrst-idle-226-client-reset.pcap", built(idleReplyReset(false))},
		{"ctlrst-unanswered-box-reset.pcap", built(unansweredBoxReset)},
		{"ctlrst-fw-rst-server-replies-resent.pcap", built(fwResetServerRepliesResent)},
		{"ctlrst-fw-rst-server-late-resent.pcap", built(fwResetServerLateResent)},
		{"ctlrst-fw-rst-server-late-once.pcap", built(fwResetServerLateOnce)},
		{"ctlrst-fw-rst-server-late-client-rst.pcap", built(fwResetServerLateClientRST)},
		{"ctlrst-fw-rst-server-replies-once.pcap", built(fwResetServerRepliesOnce)},
		{"ctlrst-fw-rst-server-replies-client-rst.pcap", built(fwResetServerRepliesClientRST)},
		{"server-closed-cmd-reset.pcap", built(serverClosedCmdReset)},
		{"server-closed-unanswered.pcap", built(serverClosedUnanswered)},
		{"client-host-fw-idle-cut.pcap", built(clientHostFirewallIdleCut)},
		{"unsolicited-passive-used.pcap", built(unsolicitedUsed)},
		{"unsolicited-passive-unused.pcap", built(unsolicitedUnused)},
		{"unsolicited-passive-bound.pcap", built(unsolicitedBound)},
		{"unsolicited-passive-injected.pcap", built(unsolicitedInjected)},
		{"unsolicited-passive-other-session.pcap", built(unsolicitedOtherSession)},
		{"unsolicited-passive-midstream-other.pcap", built(unsolicitedMidstreamOther)},
		{"unsolicited-passive-ftps-other.pcap", built(unsolicitedFTPSOther)},
		{"unsolicited-passive-two-sessions.pcap", built(unsolicitedTwoSessions)},
		{"unsolicited-passive-synack-lost.pcap", built(unsolicitedSynAckLost)},
		{"box-router-any-drop.pcap", built(boxRouterAny)},
		{"box-router-any-active-drop.pcap", built(boxRouterAnyActive)},
		{"box-nat-any-drop.pcap", built(boxNATAny)},
		{"box-router-two-ports-drop.pcapng", built(boxRouterTwoPorts)},
		{"box-router-any-beyond.pcap", built(boxRouterAnyBeyond)},
		{"box-server-host-any-drop.pcap", built(boxServerHostAny)},
		{"box-dnat-any-drop.pcap", built(boxDNATAny)},
		{"stall-halfway-226-later.pcap", built(stallHalfway(true, false))},
		{"stall-halfway-probes.pcap", built(stallHalfway(false, true))},
		{"snap-cut-rest.pcap", built(snapCutRest)},
		{"snap-cut-passwords.pcap", built(snapCutPasswords)},
		{"pyftpdlib-stou-no-data.pcap", built(pyftpdlibStouNoData)},
	}
}

// built adapts a capture constructor to scenario.build.
func built(f func() *capture) func() ([]byte, error) {
	return func() ([]byte, error) { return f().bytes() }
}

// generate writes every scenario into dir.
func generate(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, s := range scenarios() {
		b, err := s.build()
		if err != nil {
			return fmt.Errorf("%s: %w", s.file, err)
		}
		if err := os.WriteFile(filepath.Join(dir, s.file), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
