package srcdslog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
)

// Handler receives the events of one server. It runs on the listener's
// receive loop: it must return quickly (hand off to a channel if needed).
type Handler func(Event)

type route struct {
	secret string
	fn     Handler
}

// Listener receives log datagrams on one UDP socket and routes each to the
// handler registered for its source address. Datagrams from unregistered
// sources and datagrams whose secret does not match are dropped (and
// logged at debug level): anyone can send UDP.
type Listener struct {
	conn *net.UDPConn
	log  *slog.Logger

	mu     sync.RWMutex
	routes map[netip.AddrPort]route
}

// Listen opens a Listener on addr (e.g. "0.0.0.0:27500" or "127.0.0.1:0").
// A nil logger discards.
func Listen(addr string, log *slog.Logger) (*Listener, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("srcds log listener address %q: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("srcds log listener: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Listener{conn: conn, log: log, routes: map[netip.AddrPort]route{}}, nil
}

// Addr is the bound address (useful with port 0).
func (l *Listener) Addr() netip.AddrPort {
	return l.conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// Register routes datagrams from src to fn, checking secret (see Parse). A
// src with an unspecified address (0.0.0.0:27015) matches any address with
// that port, for servers whose outgoing address is not known in advance. A
// second Register for src replaces the first.
func (l *Listener) Register(src netip.AddrPort, secret string, fn Handler) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.routes[normalize(src)] = route{secret: secret, fn: fn}
}

// Unregister removes the route for src; it is idempotent.
func (l *Listener) Unregister(src netip.AddrPort) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.routes, normalize(src))
}

func normalize(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

func (l *Listener) lookup(src netip.AddrPort) (route, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	src = normalize(src)
	if r, ok := l.routes[src]; ok {
		return r, true
	}
	unspec := netip.IPv4Unspecified()
	if src.Addr().Is6() {
		unspec = netip.IPv6Unspecified()
	}
	r, ok := l.routes[netip.AddrPortFrom(unspec, src.Port())]
	return r, ok
}

// Serve receives until ctx is done or Close is called; it then returns nil.
func (l *Listener) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { l.conn.Close() })
	defer stop()
	buf := make([]byte, 65535)
	for {
		n, src, err := l.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("srcds log listener: %w", err)
		}
		r, ok := l.lookup(src)
		if !ok {
			l.log.Debug("srcds log from unregistered source dropped", "src", src)
			continue
		}
		ev, err := Parse(buf[:n], r.secret)
		if err != nil {
			l.log.Debug("srcds log datagram dropped", "src", src, "err", err)
			continue
		}
		r.fn(ev)
	}
}

// Close stops Serve and releases the socket.
func (l *Listener) Close() error { return l.conn.Close() }
