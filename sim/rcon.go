package sim

import (
	"bufio"
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/left4me/left4me/rcon"
)

// serveRCON accepts RCON connections on the game port's TCP side.
func (s *Server) serveRCON() {
	for {
		c, err := s.tcp.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		s.mu.Lock()
		if s.isBanned(remoteAddr(c)) {
			s.mu.Unlock()
			c.Close() // srcds drops banned addresses at once
			continue
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

// serveConn speaks RCON on one connection. Every packet is its own write,
// as srcds sends them.
func (s *Server) serveConn(c net.Conn) {
	br := bufio.NewReader(c)
	authed := false
	sess := &session{}
	send := func(p rcon.Packet) error {
		_, err := c.Write(rcon.AppendPacket(nil, p))
		return err
	}
	for {
		p, err := rcon.ReadPacket(br)
		if err != nil {
			return
		}
		switch {
		case p.Type == rcon.TypeAuth:
			authed = s.checkPassword(string(p.Body), remoteAddr(c))
			if s.answerAuth(p.ID, authed, send) != nil {
				return
			}
			if !authed && s.isBannedLocked(remoteAddr(c)) {
				return
			}
		case !authed:
			return // srcds drops unauthenticated command senders
		case p.Type == rcon.TypeExecCommand:
			if s.execRCON(p, sess, send) != nil {
				return
			}
		case p.Type == rcon.TypeResponseValue:
			// The multi-packet terminator trick: mirror, then 00 01 00 00.
			if send(rcon.Packet{ID: p.ID, Type: rcon.TypeResponseValue}) != nil ||
				send(rcon.Packet{ID: p.ID, Type: rcon.TypeResponseValue, Body: []byte{0, 1, 0, 0}}) != nil {
				return
			}
			if sess.closeAfter {
				return
			}
		}
		if sess.closeAfter {
			// After changelevel the connection goes down; a client that
			// sent its terminator still gets the answer to it first.
			c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		}
	}
}

// answerAuth sends srcds's reply to an AUTH: optionally the empty
// RESPONSE_VALUE, then AUTH_RESPONSE with the request id or -1.
func (s *Server) answerAuth(id int32, ok bool, send func(rcon.Packet) error) error {
	if s.cfg.AuthEmpty {
		if err := send(rcon.Packet{ID: id, Type: rcon.TypeResponseValue}); err != nil {
			return err
		}
	}
	if !ok {
		id = -1
	}
	return send(rcon.Packet{ID: id, Type: rcon.TypeAuthResponse})
}

// checkPassword checks an RCON login and counts failures per address.
func (s *Server) checkPassword(pw string, from netip.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	want := s.cvar("rcon_password")
	if want != "" && pw == want {
		return true
	}
	s.recordFailure(from)
	return false
}

func remoteAddr(c net.Conn) netip.Addr {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}

func (s *Server) isBannedLocked(a netip.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.isBanned(a)
}

// execRCON runs one command and sends its output in packets of at most
// rcon.MaxBody bytes; empty output still gets one empty RESPONSE_VALUE.
func (s *Server) execRCON(p rcon.Packet, sess *session, send func(rcon.Packet) error) error {
	s.mu.Lock()
	out := []byte(s.execLine(string(p.Body), sess))
	s.mu.Unlock()
	for first := true; first || len(out) > 0; first = false {
		n := min(len(out), rcon.MaxBody)
		if err := send(rcon.Packet{ID: p.ID, Type: rcon.TypeResponseValue, Body: out[:n]}); err != nil {
			return err
		}
		out = out[n:]
	}
	return nil
}
