package main

import (
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// newRootCmd builds the command tree writing to stdout and stderr.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "ftpsniff",
		Short: "Analyse FTP control and data connections in captured traffic",
		Long: `ftpsniff reads pcap/pcapng captures (or standard input) and shows, for every
FTP session, who logged in, each command and reply, every data endpoint the
session announced (PASV, EPSV, LPSV, PORT, EPRT, LPRT), and whether the data
connection to it happened, how it ended, and why it failed.`,
		Version:       buildVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("ftpsniff {{.Version}}\n")
	// A usage error is one line naming the flag, not a usage dump
	// (errline.go).
	root.SetFlagErrorFunc(flagError)
	// -v before the command is a bool flag from the start, not only once
	// the root runs: cobra's search for the command would otherwise take
	// it for a flag with a value and swallow the command's name
	// ("ftpsniff -v read FILE": unknown command "FILE"). Before a
	// command it is that command's -v (read's --verbose), as every flag
	// given before the command name is; alone it prints the version.
	root.InitDefaultVersionFlag()
	root.AddCommand(newReadCmd(stdout, stderr))
	root.AddCommand(newLiveCmd(stdout, stderr))
	addProfiling(root)
	return root
}

// oneLine keeps an error message to one line.
func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
