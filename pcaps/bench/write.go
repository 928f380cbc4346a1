package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// WriteCapture writes a generated capture to out, and its statistics as
// JSON to out+".json": gen writes the capture and returns what it counted.
// The capture appears under its name only once complete (it is written to
// out+".tmp" and renamed), so a half-written file is never taken for one.
func WriteCapture[S any](out string, gen func(io.Writer) (S, error)) (S, error) {
	var st S
	f, err := os.Create(out + ".tmp")
	if err != nil {
		return st, err
	}
	st, err = gen(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out + ".tmp")
		return st, fmt.Errorf("%s: %w", out, err)
	}
	meta, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return st, err
	}
	if err := os.WriteFile(out+".json", append(meta, '\n'), 0o644); err != nil {
		return st, err
	}
	return st, os.Rename(out+".tmp", out)
}
