// Command mkhostile writes the hostile captures of package hostile, each
// as one file named after its shape:
//
//	go run ./pcaps/hostile/mkhostile -out /tmp/hostile            # full size
//	go run ./pcaps/hostile/mkhostile -out /tmp/h -scale 0.001     # quick
//	go run ./pcaps/hostile/mkhostile -out /tmp/h -only idb-flood -idbs 1000
//	go run ./pcaps/hostile/mkhostile -list
//
// -scale multiplies every count; a count given by its own flag is taken
// as it is. It prints one line per file: shape, layer, bytes, path.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/ftpsniff/ftpsniff/pcaps/hostile"
)

func main() {
	out := flag.String("out", ".", "directory to write into")
	scale := flag.Float64("scale", 1, "multiply every count by this (e.g. 0.001 for a quick run)")
	only := flag.String("only", "", "comma-separated shape names (default: all)")
	list := flag.Bool("list", false, "list the shapes and counts, write nothing")
	counts := map[string]*int{}
	for _, c := range hostile.Counts {
		counts[c.Name] = flag.Int(c.Name, 0, fmt.Sprintf("%s (default %d, times -scale)", c.Usage, c.Default))
	}
	flag.Parse()
	if err := run(*out, *scale, *only, *list, counts); err != nil {
		fmt.Fprintln(os.Stderr, "mkhostile:", err)
		os.Exit(1)
	}
}

func run(out string, scale float64, only string, list bool, counts map[string]*int) error {
	if list {
		for _, s := range hostile.Shapes() {
			fmt.Printf("%-26s %-8s %s\n", s.File(), s.Layer, s.About)
		}
		return nil
	}
	if scale <= 0 {
		return fmt.Errorf("-scale %v: want a positive factor", scale)
	}
	p := hostile.Defaults().Scaled(scale)
	for name, v := range counts {
		if *v < 0 {
			return fmt.Errorf("-%s %d: want a positive count", name, *v)
		}
		if *v > 0 {
			p[name] = *v
		}
	}
	shapes := hostile.Shapes()
	if only != "" {
		shapes = nil
		for _, name := range strings.Split(only, ",") {
			s, ok := hostile.Lookup(strings.TrimSpace(name))
			if !ok {
				return fmt.Errorf("no shape %q (see -list)", name)
			}
			shapes = append(shapes, s)
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, s := range shapes {
		path, err := s.WriteFile(out, p)
		if err != nil {
			return err
		}
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		fmt.Printf("%s\t%s\t%d\t%s\n", s.Name, s.Layer, st.Size(), path)
	}
	return nil
}
