package main

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// versionString is what --version prints: the version stamped with
// -ldflags "-X main.version=..." when there is one, else the module
// version from the build info (a tag for `go install ...@v1.2.3`,
// "(devel)" for a build in a checkout), the VCS revision when the build
// recorded it, and the Go version.
func versionString(stamped string, bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		if stamped != "" && stamped != "dev" {
			return stamped
		}
		return "(unknown: no build information)"
	}
	v := stamped
	if v == "" || v == "dev" {
		v = bi.Main.Version
		if v == "" {
			v = "(devel)"
		}
	}
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var parts []string
	switch {
	case rev != "":
		r := "revision " + shortRev(rev)
		if when != "" {
			r += " of " + when
		}
		if modified {
			r += ", with uncommitted changes"
		}
		parts = append(parts, r)
	case strings.HasPrefix(v, "v") && v != "(devel)":
		// go install module@version: the version names the commit.
	default:
		parts = append(parts, "no VCS revision recorded (built with -buildvcs=false or outside a git checkout)")
	}
	parts = append(parts, bi.GoVersion)
	return fmt.Sprintf("%s, %s", v, strings.Join(parts, ", "))
}

func shortRev(r string) string {
	if len(r) > 12 {
		return r[:12]
	}
	return r
}

// buildVersion is versionString for this binary.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	return versionString(version, bi, ok)
}
