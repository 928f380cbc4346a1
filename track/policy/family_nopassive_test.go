package policy

import "testing"

// TestFamilyFromGreetingNoPassive guards the greetings of servers without
// passive range or address settings (GNU inetutils ftpd): they name no
// family but say so, and a greeting naming a family too proves neither.
func TestFamilyFromGreetingNoPassive(t *testing.T) {
	for _, tc := range []struct {
		greeting string
		want     GreetingFamily
	}{
		{"localhost FTP server (GNU inetutils 2.4) ready.", GreetingFamily{Unlisted: UnlistedInetutils, NoPassiveSettings: true}},
		{"ftp.example.org FTP server (GNU Inetutils 1.9.4) ready.", GreetingFamily{Unlisted: UnlistedInetutils, NoPassiveSettings: true}},
		{"(vsFTPd 3.0.5)", GreetingFamily{Kind: ServerVsftpd}},
		{"(vsFTPd 3.0.3) FTP server (GNU inetutils 2.4) ready.", GreetingFamily{}},
		{"Twisted 22.4.0 FTP Server", GreetingFamily{Unlisted: UnlistedTwisted}},
	} {
		if got := FamilyFromGreeting(tc.greeting); got != tc.want {
			t.Errorf("FamilyFromGreeting(%q) = %+v, want %+v", tc.greeting, got, tc.want)
		}
	}
}
