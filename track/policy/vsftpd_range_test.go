package policy

import (
	"strings"
	"testing"
)

// TestVsftpdRangeAsVsftpdRuns guards the passive range read from a
// vsftpd.conf against what vsftpd 3.0.3 hands out (privops.c
// vsf_privop_pasv_listen: pasv_min_port used only above 1024 and up to
// 65535, pasv_max_port only from the minimum in use up to 65534; tunables.c:
// pasv_min_port is 5001 when the file does not set it, though the man page
// says 0). Every range below was measured on Debian's vsftpd 3.0.3-13
// (200 PASV in a network namespace): with pasv_max_port=2000 alone the
// ports ran 6744-65262, so a rule opening 1024-2000 would block every
// transfer. Each edge of the two conditions has a case: loosening one
// (> to >=, < to <=) or moving vsftpd's start fails one.
func TestVsftpdRangeAsVsftpdRuns(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		rng        string   // "" for none: no setting narrows vsftpd's own range
		swapped    string   // SwappedRange, "" for none
		notes      []string // each in the notes
		never      []string // none in the notes
	}{
		{name: "no settings: vsftpd's own start, 5001", conf: "listen=YES\n",
			notes: []string{"no pasv_min_port/pasv_max_port: vsftpd hands out any port from 5001-65535", "built-in"},
			never: []string{"1024-65535"}},
		{name: "min equal to max", conf: "pasv_min_port=40000\npasv_max_port=40000\n", rng: "40000"},
		{name: "min 1024 alone starts at 1024, not 5001", conf: "pasv_min_port=1024\n",
			notes: []string{"pasv_min_port=1024 (line 1)", "any port from 1024-65535"},
			never: []string{"5001", "no pasv_min_port", "ignores"}},
		{name: "min 1 alone", conf: "pasv_min_port=1\n",
			notes: []string{"pasv_min_port=1 (line 1) is below 1024", "any port from 1024-65535"}, never: []string{"5001"}},
		{name: "min 0 written out starts at 1024", conf: "pasv_min_port=0\n",
			notes: []string{"pasv_min_port=0 (line 1) narrows nothing", "any port from 1024-65535"}, never: []string{"5001", "no pasv_min_port"}},
		{name: "min and max 0 written out", conf: "pasv_min_port=0\npasv_max_port=0\n",
			notes: []string{"pasv_min_port=0 (line 1) and pasv_max_port=0 (line 2) narrow nothing", "any port from 1024-65535"}},
		{name: "min 65535 alone: one port", conf: "pasv_min_port=65535\n", rng: "65535"},
		{name: "min 1025 alone", conf: "pasv_min_port=1025\n", rng: "1025-65535"},
		{name: "max 65535 alone changes nothing", conf: "pasv_max_port=65535\n",
			notes: []string{"pasv_max_port=65535 (line 1)", "any port from 5001-65535"}, never: []string{"1024-65535", "ignores"}},
		{name: "max 65534 alone", conf: "pasv_max_port=65534\n", rng: "5001-65534",
			notes: []string{"pasv_max_port=65534 (line 1) with no pasv_min_port", "5001-65534"}},
		{name: "max alone above 5001 starts at 5001", conf: "pasv_max_port=41000\n", rng: "5001-41000",
			notes: []string{"pasv_max_port=41000 (line 1) with no pasv_min_port", "5001-41000"}},
		{name: "max 5001 alone: one port", conf: "pasv_max_port=5001\n", rng: "5001", notes: []string{"uses 5001-5001"}},
		{name: "max 5000 alone is ignored", conf: "pasv_max_port=5000\n",
			notes: []string{"pasv_max_port=5000 (line 1) is below 5001", "vsftpd ignores it", "any port from 5001-65535"}},
		{name: "max 2000 alone is ignored", conf: "pasv_max_port=2000\n",
			notes: []string{"pasv_max_port=2000 (line 1) is below 5001", "any port from 5001-65535"}, never: []string{"1024-2000"}},
		{name: "max 1024 alone is ignored", conf: "pasv_max_port=1024\n",
			notes: []string{"pasv_max_port=1024 (line 1) is below 5001"}},
		{name: "max below 1024 alone", conf: "pasv_max_port=1000\n",
			notes: []string{"pasv_max_port=1000 (line 1) is below 5001", "any port from 5001-65535"}},
		{name: "min 0 written out, max 1025", conf: "pasv_min_port=0\npasv_max_port=1025\n", rng: "1024-1025"},
		{name: "min and max 1024", conf: "pasv_min_port=1024\npasv_max_port=1024\n", rng: "1024"},
		{name: "min below 1024, max used", conf: "pasv_min_port=500\npasv_max_port=2000\n", rng: "1024-2000",
			notes: []string{"pasv_min_port=500 (line 1) is below 1024: vsftpd starts at 1024 instead", "it uses 1024-2000"}},
		{name: "min below 1024, max below 1024", conf: "pasv_min_port=500\npasv_max_port=600\n",
			notes: []string{"pasv_min_port=500 (line 1) is below 1024", "pasv_max_port=600 (line 2) is below 1024", "any port from 1024-65535"},
			never: []string{"5001"}},
		{name: "max below min, ends swapped", conf: "pasv_min_port=50000\npasv_max_port=40000\n", rng: "50000-65535", swapped: "40000-50000",
			notes: []string{"pasv_max_port=40000 (line 2) is below pasv_min_port=50000 (line 1): vsftpd ignores it and uses 50000-65535"}},
		{name: "max below min and below 1024", conf: "pasv_min_port=40000\npasv_max_port=1000\n", rng: "40000-65535",
			notes: []string{"pasv_max_port=1000 (line 2) is below pasv_min_port=40000 (line 1)"}},
		{name: "max 1024 below min 1025", conf: "pasv_min_port=1025\npasv_max_port=1024\n", rng: "1025-65535",
			notes: []string{"pasv_max_port=1024 (line 2) is below pasv_min_port=1025 (line 1)"}},
		{name: "passive off: no notes on ports", conf: "pasv_enable=NO\npasv_max_port=2000\n", never: []string{"port"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseVsftpd("v.conf", []byte(tc.conf))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.PassiveRange.String(); got != tc.rng {
				t.Errorf("range %q, want %q", got, tc.rng)
			}
			if got := c.SwappedRange.String(); got != tc.swapped {
				t.Errorf("swapped range %q, want %q", got, tc.swapped)
			}
			notes := strings.Join(c.Notes, "\n")
			for _, w := range tc.notes {
				if !strings.Contains(notes, w) {
					t.Errorf("notes lack %q:\n%s", w, notes)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(notes, n) {
					t.Errorf("notes say %q:\n%s", n, notes)
				}
			}
			if len(tc.notes) == 0 && tc.rng != "" && notes != "" {
				t.Errorf("notes for a range used as written:\n%s", notes)
			}
		})
	}
}

// TestVsftpdPortAbove65535Refused guards the refusal of a passive port
// setting above 65535, naming the file, line and value: vsftpd itself
// starts and ignores it (pasv_min_port=70000 handed out 1247-65212), so
// the analysis would otherwise go on from a range the admin did not mean.
func TestVsftpdPortAbove65535Refused(t *testing.T) {
	for _, conf := range []string{"pasv_min_port=70000\n", "pasv_min_port=40000\npasv_max_port=70000\n"} {
		_, err := ParseVsftpd("v.conf", []byte(conf))
		line := strings.Count(conf, "\n")
		key := "pasv_min_port=70000"
		if line == 2 {
			key = "pasv_max_port=70000"
		}
		if want := "v.conf:" + string(rune('0'+line)) + ": " + key + ": above 65535"; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: err %v, want %q", conf, err, want)
		}
	}
}

// TestVsftpdBuiltinRangeSaid guards what a vsftpd.conf that narrows no
// range says of the ports vsftpd picks itself: BuiltinRange (5001-65535,
// from 1024 with a pasv_min_port of 1024 or less), named in the policy's
// mismatch line; the diagnosis reads a port outside it as a server that
// does not run the file. It said "may hand out any port".
func TestVsftpdBuiltinRangeSaid(t *testing.T) {
	for _, tc := range []struct {
		conf, want string
	}{
		{"listen=YES\n", "5001-65535"},
		{"pasv_min_port=0\n", "1024-65535"},
		{"pasv_max_port=2000\n", "5001-65535"},
	} {
		c, err := ParseServerConfig("vsftpd.conf", []byte(tc.conf))
		if err != nil {
			t.Fatal(err)
		}
		if c.PassiveRange != nil || c.BuiltinRange.String() != tc.want {
			t.Errorf("%q: range %v, builtin %v; want none, %s", tc.conf, c.PassiveRange, c.BuiltinRange, tc.want)
		}
		d := Policy{Ranges: Ranges{{Lo: 40000, Hi: 41000}}, Server: c}.Describe()
		if !strings.Contains(d, "mismatch: the server may hand out any port of "+tc.want+" but the firewall range is 40000-41000") {
			t.Errorf("%q: %s", tc.conf, d)
		}
	}
	if c, _ := ParseServerConfig("vsftpd.conf", []byte("pasv_min_port=40000\npasv_max_port=40100\n")); c.BuiltinRange != nil {
		t.Errorf("a range set: builtin %v, want none", c.BuiltinRange)
	}
}
