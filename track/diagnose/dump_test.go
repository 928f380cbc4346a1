package diagnose

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

func TestDump(t *testing.T) {
	if os.Getenv("DUMP") == "" {
		t.Skip()
	}
	var p policy.Policy
	if c := os.Getenv("CONF"); c != "" {
		sc, err := policy.LoadServerConfig(c)
		if err != nil {
			t.Fatal(err)
		}
		p.Server = sc
	}
	if r := os.Getenv("RANGE"); r != "" {
		p.AddRanges(r)
	}
	files, _ := filepath.Glob(os.Getenv("DUMP"))
	for _, f := range files {
		rec, d := run(t, f, p)
		t.Logf("=== %s\n%s", f, render(rec, d))
	}
}
