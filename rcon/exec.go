package rcon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"time"
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
	return out, nil
}

// alive reports whether the idle connection is still open, without
// blocking: a server that hung up has left EOF in the socket.
func (c *Client) alive() bool {
	if c.br.Buffered() > 0 {
		return true
	}
	c.conn.SetReadDeadline(time.Now())
	_, err := c.br.Peek(1)
	c.conn.SetReadDeadline(time.Time{})
	return err == nil || errors.Is(err, os.ErrDeadlineExceeded)
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
