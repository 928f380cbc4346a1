package hostile

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Shape is one hostile capture.
type Shape struct {
	Name  string // file name without extension
	Layer string // "capture", "packet" or "ftp": what it attacks
	Ext   string // ".pcap", ".pcapng", with ".gz" when compressed
	About string
	write func(w io.Writer, p Params) error
}

// File is the shape's file name.
func (s Shape) File() string { return s.Name + s.Ext }

// Write writes the shape to w, gzip-compressing it when Ext says so.
func (s Shape) Write(w io.Writer, p Params) error {
	if !strings.HasSuffix(s.Ext, ".gz") {
		return s.write(w, p)
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := s.write(zw, p); err != nil {
		return err
	}
	return zw.Close()
}

// WriteFile writes the shape into dir and returns the file's path.
func (s Shape) WriteFile(dir string, p Params) (string, error) {
	path := filepath.Join(dir, s.File())
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := s.Write(f, p); err != nil {
		f.Close()
		return "", fmt.Errorf("%s: %w", s.Name, err)
	}
	return path, f.Close()
}

// Shapes lists every shape, capture layer first.
func Shapes() []Shape {
	return slices.Concat(captureShapes(), packetShapes(), ftpShapes())
}

// Lookup finds a shape by name.
func Lookup(name string) (Shape, bool) {
	for _, s := range Shapes() {
		if s.Name == name {
			return s, true
		}
	}
	return Shape{}, false
}
