package main

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersionString: --version names the module version and the VCS
// revision from the build info, and says plainly when there is none
// (GOFLAGS=-buildvcs=false), instead of "dev".
func TestVersionString(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "f001fdc0123456789abcdef"}, {Key: "vcs.time", Value: "2026-03-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}
	tests := []struct {
		name    string
		stamped string
		bi      *debug.BuildInfo
		ok      bool
		want    string
	}{
		{"checkout with vcs", "dev", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: vcs}, true,
			"(devel), revision f001fdc01234 of 2026-03-01T10:00:00Z, with uncommitted changes, go1.26.0"},
		{"buildvcs=false", "dev", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, true,
			"(devel), no VCS revision recorded (built with -buildvcs=false or outside a git checkout), go1.26.0"},
		{"go install @version", "dev", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.0"}}, true, "v1.2.0, go1.26.0"},
		{"ldflags", "v9.9.9", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, true,
			"v9.9.9, go1.26.0"}, // a stamped release names its commit
		{"no build info", "dev", nil, false, "(unknown: no build information)"},
	}
	for _, tt := range tests {
		if got := versionString(tt.stamped, tt.bi, tt.ok); got != tt.want {
			t.Errorf("%s:\n got  %s\n want %s", tt.name, got, tt.want)
		}
	}
	// The binary's own: never "dev".
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--version"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if out := stdout.String(); !strings.HasPrefix(out, "ftpsniff ") || strings.Contains(out, "dev\n") || !strings.Contains(out, "go1.") {
		t.Errorf("--version printed %q", out)
	}
}
