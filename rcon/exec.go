package rcon

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
)

// Exec runs cmd on the server and returns its complete output. Output split
// over several packets is joined: after the command the client sends an
// empty RESPONSE_VALUE, which srcds mirrors only once the command's output
// is out, so everything before the mirror belongs to the command.
//
// If the server closed the connection since the last call, Exec reconnects
// first. If the connection breaks while cmd runs, Exec returns the error and
// does not resend cmd (it may have run); the next call reconnects. After
// ErrAuthFailed every call returns that error without dialing.
func (c *Client) Exec(ctx context.Context, cmd string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return "", ErrClosed
	}
	if c.authErr != nil {
		return "", c.authErr
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	if c.conn != nil && !c.alive() {
		c.drop()
	}
	if c.conn == nil {
		if err := c.connect(ctx); err != nil {
			return "", err
		}
	}
	stop := c.bindContext(ctx)
	out, err := c.exec(cmd)
	stop()
	if err != nil {
		c.drop()
		return out, fmt.Errorf("rcon exec %q on %s: %w", cmd, c.addr, err)
	}
	if closesConnection(cmd) {
		// The server hangs up right after answering; its FIN can still be
		// on the way when the next command is written, which would then
		// fail. Hang up first so the next call dials a fresh connection.
		c.drop()
	}
	return out, nil
}

// closesConnection reports whether srcds may drop RCON connections after cmd:
// a level change or a shutdown.
func closesConnection(cmd string) bool {
	word, _, _ := strings.Cut(strings.TrimSpace(cmd), " ")
	switch strings.ToLower(word) {
	case "changelevel", "changelevel2", "map", "quit", "exit", "_restart":
		return true
	}
	return false
}

// alive reports whether the idle connection is still open, without
// blocking: a server that hung up has left EOF in the socket. Packets that
// arrived since the last command are stale (srcds's trailing 00 01 00 00
// packet) and are dropped, so they cannot hide the EOF behind them.
func (c *Client) alive() bool {
	for range 4 {
		c.discardStale()
		if c.br.Buffered() > 0 {
			return true // part of a packet is in: the connection is talking
		}
		switch peekSocket(c.conn) {
		case socketClosed:
			return false
		case socketEmpty:
			return true
		}
		c.br.Peek(1) // data is waiting, so this returns at once
	}
	return true
}

// discardStale drops complete packets from the read buffer.
func (c *Client) discardStale() {
	for c.br.Buffered() >= 4 {
		hdr, _ := c.br.Peek(4)
		n := 4 + int(int32(binary.LittleEndian.Uint32(hdr)))
		if n < 14 || n > 4+MaxPacketSize || c.br.Buffered() < n {
			return
		}
		c.br.Discard(n)
	}
}

func (c *Client) exec(cmd string) (string, error) {
	id, term := c.id(), c.id()
	var req []byte
	req = AppendPacket(req, Packet{ID: id, Type: TypeExecCommand, Body: []byte(cmd)})
	req = AppendPacket(req, Packet{ID: term, Type: TypeResponseValue})
	if _, err := c.conn.Write(req); err != nil {
		return "", err
	}
	var out bytes.Buffer
	for {
		p, err := ReadPacket(c.br)
		if err != nil {
			return out.String(), err
		}
		switch p.ID {
		case id:
			out.Write(p.Body)
		case term:
			// The mirror of our empty packet; srcds follows it with one more
			// RESPONSE_VALUE (body 00 01 00 00) carrying the same id, which
			// the next call skips as a stale id. Not waiting for it keeps
			// servers that omit it working.
			return out.String(), nil
		}
		// Any other id is left over from an earlier command: skip it.
	}
}
