package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// carveWriter writes carved packets as pcapng: one interface block for
// each interface of each input (its link type kept), nanosecond times,
// each packet's original length kept, so `ftpsniff read` and Wireshark
// read the packets as the inputs held them.
type carveWriter struct {
	name   string
	f      *os.File
	bw     *bufio.Writer
	ng     *pcapgo.NgWriter
	ifaces map[carveIface]int
	inputs []string
	// first is the interface of the first packet read, for a file that
	// ends up holding no packet: it still opens as a capture.
	first    carveIface
	firstSet bool
	packets  int
}

// carveIface is one interface of one input.
type carveIface struct {
	file  int
	index int
	link  layers.LinkType
}

// createCarveWriter creates (or truncates) the file. inputs names the
// inputs, for the interfaces' names.
func createCarveWriter(name string, inputs []string) (*carveWriter, error) {
	f, err := os.Create(name)
	if err != nil {
		return nil, fileFlagError("--write", name, "cannot create the file", err)
	}
	return &carveWriter{name: name, f: f, bw: bufio.NewWriterSize(f, 64<<10), ifaces: map[carveIface]int{}, inputs: inputs}, nil
}

// seen notes the first packet's interface.
func (w *carveWriter) seen(file int, ci gopacket.CaptureInfo, link layers.LinkType) {
	if !w.firstSet {
		w.first, w.firstSet = carveIface{file: file, index: ci.InterfaceIndex, link: link}, true
	}
}

func (w *carveWriter) iface(k carveIface) (int, error) {
	if id, ok := w.ifaces[k]; ok {
		return id, nil
	}
	name := "stdin"
	if k.file < len(w.inputs) && w.inputs[k.file] != "-" {
		name = filepath.Base(w.inputs[k.file])
	}
	if k.index > 0 {
		name = fmt.Sprintf("%s#%d", name, k.index)
	}
	intf := pcapgo.NgInterface{Name: name, OS: runtime.GOOS, LinkType: k.link, TimestampResolution: 9}
	var id int
	if w.ng == nil {
		ng, err := pcapgo.NewNgWriterInterface(w.bw, intf, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{
			Hardware: runtime.GOARCH, OS: runtime.GOOS, Application: "ftpsniff read --write",
		}})
		if err != nil {
			return 0, w.fail(err)
		}
		w.ng = ng
	} else {
		var err error
		if id, err = w.ng.AddInterface(intf); err != nil {
			return 0, w.fail(err)
		}
	}
	w.ifaces[k] = id
	return id, nil
}

// write saves one packet of input file.
func (w *carveWriter) write(file int, data []byte, ci gopacket.CaptureInfo, link layers.LinkType) error {
	id, err := w.iface(carveIface{file: file, index: ci.InterfaceIndex, link: link})
	if err != nil {
		return err
	}
	ci.InterfaceIndex = id
	ci.CaptureLength = len(data)
	if ci.Length < len(data) {
		ci.Length = len(data)
	}
	ci.AncillaryData = nil
	if err := w.ng.WritePacket(ci, data); err != nil {
		return w.fail(err)
	}
	w.packets++
	return nil
}

// close finishes the file; one that holds no packet gets the section and
// the first input's interface, so that it still opens as a capture.
func (w *carveWriter) close() error {
	if w.ng == nil {
		k := carveIface{link: layers.LinkTypeEthernet}
		if w.firstSet {
			k = w.first
		}
		if _, err := w.iface(k); err != nil {
			w.f.Close()
			return err
		}
	}
	if err := w.ng.Flush(); err != nil {
		w.f.Close()
		return w.fail(err)
	}
	if err := w.bw.Flush(); err != nil {
		w.f.Close()
		return w.fail(err)
	}
	if err := w.f.Close(); err != nil {
		return w.fail(err)
	}
	return nil
}

func (w *carveWriter) fail(err error) error {
	return fmt.Errorf("--write %s: %w", w.name, err)
}
