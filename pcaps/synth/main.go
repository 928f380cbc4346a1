// Command synth writes small synthetic FTP captures for edge cases that
// real servers and clients rarely produce on demand. The output is
// deterministic: run it as
//
//	go run ./pcaps/synth -out pcaps/synthetic
//
// and the committed files must not change (the package test checks it).
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	out := flag.String("out", "pcaps/synthetic", "directory to write the captures into")
	flag.Parse()
	if err := generate(*out); err != nil {
		fmt.Fprintln(os.Stderr, "synth:", err)
		os.Exit(1)
	}
}
