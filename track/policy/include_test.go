package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles writes files (path relative to dir: content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestProFTPDIncludeFollowed guards ProFTPD's Include: the path is the
// server's, so it is looked for next to the main file (never this
// machine's /etc), or among the other files given with --server-config
// (by file name or directory name), each read where the Include stands;
// files no Include names are read after the main file, never dropped;
// an Include not followed is kept (NotFollowed, Unread) for the advice to
// hedge "sets no passive range"; a relative Include is ProFTPD's error.
func TestProFTPDIncludeFollowed(t *testing.T) {
	const debianMain = "ServerName \"Debian\"\nInclude /etc/proftpd/modules.conf\nPort 21\nInclude /etc/proftpd/conf.d/\n"
	for _, tc := range []struct {
		name  string
		files map[string]string // under the test's directory; "main" is given first
		extra []string          // more --server-config files
		rng   string
		host  string // the first <VirtualHost>'s range
		unread, setting, note,
		err string
	}{
		{name: "conf.d next to the main file", files: map[string]string{"main": debianMain, "conf.d/passive.conf": "PassivePorts 40000 40100\n", "modules.conf": "LoadModule mod_tls.c\n"},
			rng: "40000-40100", setting: filepath.Join("conf.d", "passive.conf") + " line 1: PassivePorts 40000 40100", note: "line 4: Include /etc/proftpd/conf.d/: read "},
		{name: "main file alone", files: map[string]string{"main": debianMain},
			unread: "Include /etc/proftpd/modules.conf (line 2), Include /etc/proftpd/conf.d/ (line 4)", note: "an included file may set it"},
		{name: "a pattern", files: map[string]string{"main": "Include /etc/proftpd/conf.d/*.conf\n", "conf.d/a.conf": "PassivePorts 41000 41100\n", "conf.d/b.conf": "PassivePorts 40000 40100\n", "conf.d/c.txt": "PassivePorts 42000 42100\n"},
			rng: "41000-41100", note: filepath.Join("conf.d", "b.conf") + " line 1: PassivePorts 40000 40100 is not used: this server's PassivePorts of " + filepath.Join("conf.d", "a.conf") + " line 1 comes first"},
		{name: "given, by its directory's name", files: map[string]string{"main": debianMain, "elsewhere/conf.d/passive.conf": "PassivePorts 40000 40100\n"},
			extra: []string{"elsewhere/conf.d/passive.conf"}, rng: "40000-40100", unread: "Include /etc/proftpd/modules.conf (line 2)"},
		{name: "given, named by no Include", files: map[string]string{"main": "Port 21\n", "passive.conf": "PassivePorts 40000 40100\n"},
			extra: []string{"passive.conf"}, rng: "40000-40100", note: "no Include names it"},
		{name: "given, included in a <VirtualHost>", files: map[string]string{"main": "PassivePorts 50000 50100\n<VirtualHost 10.0.0.1>\n  Include /srv/ftp/vh.conf\n</VirtualHost>\n", "x/vh.conf": "PassivePorts 40000 40100\n"},
			extra: []string{"x/vh.conf"}, rng: "50000-50100", host: "40000-40100"},
		{name: "a file that includes itself", files: map[string]string{"main": "Include /etc/proftpd/main\nPort 21\n"},
			unread: "Include /etc/proftpd/main (line 1)"},
		{name: "a relative Include", files: map[string]string{"main": "Include conf.d/x.conf\n"},
			err: "main:1: Include conf.d/x.conf: not an absolute path; ProFTPD refuses it"},
		// A pattern whose directory was not copied reads nothing: not
		// the main file's neighbours, which the server does not include.
		{name: "a pattern, its directory not copied", files: map[string]string{"main": "Include /etc/proftpd/conf.d/*.conf\n", "old-proftpd.conf": "PassivePorts 1024 1100\n", "sshd.conf": "Port 22\n"},
			unread: "Include /etc/proftpd/conf.d/*.conf (line 1)"},
		// A file in a subdirectory of the server's, copied as a tree.
		{name: "a file in a copied subdirectory", files: map[string]string{"main": "Include /etc/proftpd/conf.d/passive.conf\n", "conf.d/passive.conf": "PassivePorts 40000 40100\n"},
			rng: "40000-40100"},
		{name: "a file copied flat", files: map[string]string{"main": "Include /etc/proftpd/conf.d/passive.conf\n", "passive.conf": "PassivePorts 40000 40100\n"},
			rng: "40000-40100"},
		{name: "the main file given twice", files: map[string]string{"main": "Port 21\n"}, extra: []string{"main"},
			err: "main: given twice with --server-config"},
		{name: "another server's file given after it", files: map[string]string{"main": "Port 21\n", "vsftpd.conf": "listen=YES\npasv_min_port=40000\npasv_max_port=40100\n"}, extra: []string{"vsftpd.conf"},
			err: "vsftpd.conf: a vsftpd configuration, given with --server-config after main, a ProFTPD one"},
		{name: "an error in an included file names it", files: map[string]string{"main": debianMain, "conf.d/bad.conf": "\nPassivePorts 40100 40000\n"},
			err: filepath.Join("conf.d", "bad.conf") + ":2: PassivePorts 40100 40000: the minimum is above the maximum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			t.Chdir(dir)
			c, err := LoadServerConfig("main", tc.extra...)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("err %v, want prefix %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.PassiveRange.String() != tc.rng {
				t.Errorf("range %q, want %q", c.PassiveRange, tc.rng)
			}
			if tc.host != "" && (len(c.Hosts) != 1 || c.Hosts[0].PassiveRange.String() != tc.host) {
				t.Errorf("hosts %v, want one with %s", c.Hosts, tc.host)
			}
			if c.Unread() != tc.unread {
				t.Errorf("unread %q, want %q", c.Unread(), tc.unread)
			}
			if s := strings.Join(c.Settings, "\n"); !strings.Contains(s, tc.setting) {
				t.Errorf("settings %q lack %q", s, tc.setting)
			}
			if n := strings.Join(c.Notes, "\n"); !strings.Contains(n, tc.note) {
				t.Errorf("notes %q lack %q", n, tc.note)
			}
		})
	}
	// A main file linked from elsewhere: its includes are beside the file
	// it links to.
	dir0 := t.TempDir()
	writeFiles(t, dir0, map[string]string{"real/proftpd.conf": "Include /etc/proftpd/conf.d/\n", "real/conf.d/passive.conf": "PassivePorts 40000 40100\n"})
	if err := os.MkdirAll(filepath.Join(dir0, "link"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir0, "real", "proftpd.conf"), filepath.Join(dir0, "link", "proftpd.conf")); err != nil {
		t.Fatal(err)
	}
	if c, err := LoadServerConfig(filepath.Join(dir0, "link", "proftpd.conf")); err != nil || c.PassiveRange.String() != "40000-40100" {
		t.Errorf("linked main file: %v, %v; want the range its conf.d/ sets", c, err)
	}
	// vsftpd has no Include: a second file is refused, not dropped.
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"vsftpd.conf": "listen=YES\n", "other.conf": "pasv_min_port=40000\n"})
	if _, err := LoadServerConfig(filepath.Join(dir, "vsftpd.conf"), filepath.Join(dir, "other.conf")); err == nil || !strings.Contains(err.Error(), "a vsftpd configuration is one file, but --server-config names 2") {
		t.Errorf("two vsftpd files: %v", err)
	}
}
