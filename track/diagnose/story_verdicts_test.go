package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestActiveRefusedLeadsOverNATNote guards the verdict of a client behind
// a NAT without an FTP helper, captured at the client (story 10,
// client-nat-active-*-client.pcap): the server refused its PORT/EPRT
// (error active-refused) and its passive transfer worked. An info
// nat-mismatch of the working passive session took the verdict and
// offered pasv_address as the change, though the client reached the
// announced address as it dialled it.
func TestActiveRefusedLeadsOverNATNote(t *testing.T) {
	for _, name := range []string{"vsftpd", "proftpd", "pureftpd", "pyftpdlib"} {
		_, d := realRun(t, "client-nat-active-"+name+"-client.pcap", policy.Policy{})
		sum := serverSummary(t, d, "10.99.5.2:21")
		if !strings.HasPrefix(sum.Verdict, "the server refused the addresses clients named in PORT/EPRT") ||
			!strings.Contains(sum.Verdict, "use passive mode on the clients") {
			t.Errorf("%s: verdict %q", name, sum.Verdict)
		}
		if strings.Contains(sum.Verdict, "announces its own address") || strings.Contains(sum.Verdict, "other errors") {
			t.Errorf("%s: verdict %q still led by the note, or names the refusal as another error", name, sum.Verdict)
		}
		for _, r := range sum.Rules {
			if strings.Contains(r, "<public address>") {
				t.Errorf("%s: change %q: the announced address worked as dialled", name, r)
			}
		}
	}
	// The server's side keeps its verdict.
	_, d := realRun(t, "client-nat-active-vsftpd-server.pcap", policy.Policy{})
	if v := serverSummary(t, d, "10.99.5.2:21").Verdict; !strings.HasPrefix(v, "active-mode clients announce addresses the server cannot reach") {
		t.Errorf("server side: verdict %q", v)
	}
}

// TestSwappedRangeVerdictSetsTheRangeMeant guards the verdict of a vsftpd
// whose pasv_min_port and pasv_max_port are swapped (story 15,
// pasv-range-swapped-vsftpd.pcap: 40100 and 40000, vsftpd hands out
// 40100-65535): it told to open 40100-65535 (also as the alternative
// beside --pasv-range), as did the findings. The change is the range
// meant, opened unless the firewall's range is known to be it.
func TestSwappedRangeVerdictSetsTheRangeMeant(t *testing.T) {
	for _, fw := range []string{"", "40000-40100"} {
		p := confPolicy(t, "pasv-range-swapped.conf")
		if fw != "" {
			if err := p.AddRanges(fw); err != nil {
				t.Fatal(err)
			}
		}
		rec, d := realRun(t, "pasv-range-swapped-vsftpd.pcap", p)
		for _, f := range rec.findings {
			// The findings never open it either.
			if strings.Contains(f.Advice, "40100-65535") && !strings.Contains(f.Advice, "ends swapped") || strings.Contains(f.Advice, "40100:65535") {
				t.Errorf("--pasv-range %q: %s advice %q", fw, f.Code, f.Advice)
			}
		}
		sum := serverSummary(t, d, "10.99.0.1:21")
		if !strings.Contains(sum.Verdict, "ends swapped (pasv_min_port=40100 is above pasv_max_port=40000") ||
			!strings.Contains(sum.Verdict, "set pasv_min_port/pasv_max_port to 40000-40100") {
			t.Errorf("--pasv-range %q: verdict %q", fw, sum.Verdict)
		}
		rules := strings.Join(sum.Rules, "\n")
		if !strings.Contains(rules, "pasv_min_port=40000\npasv_max_port=40100") {
			t.Errorf("--pasv-range %q: change %q lacks the range meant", fw, sum.Rules)
		}
		if strings.Contains(sum.Verdict, "open them with the rest") || strings.Contains(rules, "40100-65535") || strings.Contains(rules, "40100:65535") {
			t.Errorf("--pasv-range %q: opens the range the server strays into: %q %q", fw, sum.Verdict, sum.Rules)
		}
		if opens := strings.Contains(rules, "dport 40000-40100"); opens != (fw == "") {
			t.Errorf("--pasv-range %q: change %q: open 40000-40100 %v, want %v", fw, sum.Rules, opens, fw == "")
		}
	}
}

// TestInterleavedRefusalsSayBackends guards the verdict of a load
// balancer sending the control connection to one backend and data
// connections to another (story 8, lb-split-client.pcap): passive ports
// refused by RST lay between ports that worked milliseconds apart, and the
// verdict told to open the range. It says more than one host answers,
// and offers no accept rule.
func TestInterleavedRefusalsSayBackends(t *testing.T) {
	for _, p := range []policy.Policy{{}, rangePolicy(t, "40000-40100"), confPolicy(t, "lb-backend.conf")} {
		_, d := realRun(t, "lb-split-client.pcap", p)
		sum := serverSummary(t, d, "10.99.1.1:21")
		if !strings.Contains(sum.Verdict, "more than one host answers at 10.99.1.1") || !strings.Contains(sum.Verdict, "port 40084 was refused between ports 40060 and 40094") {
			t.Errorf("%v: verdict %q", p.Ranges, sum.Verdict)
		}
		for _, r := range sum.Rules {
			if strings.Contains(r, "accept") || strings.Contains(r, "ACCEPT") {
				t.Errorf("%v: change %q opens ports", p.Ranges, r)
			}
		}
	}
}

// TestRangeExhaustedVerdictHasTheWidenedRange guards the change block of
// an exhausted passive range (range-exhausted.pcap): the widened range
// and its open lines were only in the finding, the verdict had none.
func TestRangeExhaustedVerdictHasTheWidenedRange(t *testing.T) {
	_, d := run(t, "../../pcaps/synthetic/range-exhausted.pcap", policy.Policy{})
	sum := serverSummary(t, d, "203.0.113.60:21")
	rules := strings.Join(sum.Rules, "\n")
	if !strings.Contains(sum.Verdict, "widen it to 40000-40129") || !strings.Contains(rules, "dport 40000-40129 ct state new accept") || !strings.Contains(rules, "PassivePorts 40000 40129") {
		t.Errorf("verdict %q, change %q", sum.Verdict, sum.Rules)
	}
}
