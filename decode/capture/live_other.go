//go:build !linux

package capture

import "context"

// Live capture uses AF_PACKET sockets, which only Linux has. This file
// keeps the API so that the command builds everywhere and says so.

// Live is not available on this system.
type Live struct{}

// OpenLive always fails here.
func OpenLive(LiveConfig) (*Live, error) { return nil, ErrLiveUnsupported }

func (l *Live) Interfaces() []Interface                         { return nil }
func (l *Live) Stats() ([]IfaceStats, error)                    { return nil, ErrLiveUnsupported }
func (l *Live) Close() error                                    { return nil }
func (l *Live) Run(context.Context, PacketFunc, IdleFunc) error { return ErrLiveUnsupported }
func (l *Live) Workers() int                                    { return 0 }

// RunWorker always fails here.
func (l *Live) RunWorker(context.Context, int, PacketFunc, IdleFunc) error {
	return ErrLiveUnsupported
}
