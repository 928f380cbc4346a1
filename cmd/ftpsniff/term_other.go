//go:build !unix

package main

import "os"

// terminalSize is unknown here: the default width applies.
func terminalSize(*os.File) (cols, rows int) { return 0, 0 }
