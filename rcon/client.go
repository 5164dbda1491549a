package rcon

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// ErrAuthFailed means the server refused the password (AUTH_RESPONSE id -1).
// The Client never retries after it: srcds bans addresses after repeated
// failures (sv_rcon_maxfailures), and a wrong stored password must not get
// the panel's own address banned.
var ErrAuthFailed = errors.New("rcon: wrong password (server refused authentication; not retrying)")

// ErrClosed is returned by Exec after Close.
var ErrClosed = errors.New("rcon: client closed")

// DefaultTimeout bounds a Dial or Exec whose context has no deadline, so a
// command whose terminator never comes cannot block forever.
const DefaultTimeout = 10 * time.Second

// Client is one authenticated RCON connection. It is safe for concurrent
// use: commands are serialized on the connection. When the server has closed
// the connection (srcds may do so on changelevel), the next Exec dials and
// authenticates again before sending.
type Client struct {
	addr, password string
	dialer         net.Dialer

	mu      sync.Mutex
	conn    net.Conn
	br      *bufio.Reader
	nextID  int32
	authErr error // sticky ErrAuthFailed: never retried
	closed  bool
}

// Dial connects to addr and authenticates with password. It returns an error
// wrapping ErrAuthFailed when the password is refused.
func Dial(ctx context.Context, addr, password string) (*Client, error) {
	c := &Client{addr: addr, password: password, nextID: 1}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func withDefaultTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, DefaultTimeout)
}

// connect dials and authenticates; c.mu is held or c is not yet shared.
func (c *Client) connect(ctx context.Context) error {
	conn, err := c.dialer.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return fmt.Errorf("rcon dial %s: %w", c.addr, err)
	}
	c.conn, c.br = conn, bufio.NewReaderSize(conn, 2*MaxPacketSize)
	stop := c.bindContext(ctx)
	err = c.auth()
	stop()
	if err != nil {
		c.drop()
		if errors.Is(err, ErrAuthFailed) {
			c.authErr = err
		}
		return fmt.Errorf("rcon auth %s: %w", c.addr, err)
	}
	return nil
}

// bindContext applies ctx's deadline to the connection and makes
// cancellation interrupt blocked reads and writes.
func (c *Client) bindContext(ctx context.Context) (stop func()) {
	conn := c.conn
	d, _ := ctx.Deadline()
	conn.SetDeadline(d)
	undo := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	return func() { undo(); conn.SetDeadline(time.Time{}) }
}

func (c *Client) auth() error {
	id := c.id()
	if _, err := c.conn.Write(AppendPacket(nil, Packet{ID: id, Type: TypeAuth, Body: []byte(c.password)})); err != nil {
		return err
	}
	for {
		p, err := ReadPacket(c.br)
		if err != nil {
			return err
		}
		// srcds first sends an empty RESPONSE_VALUE; some servers omit it.
		if p.Type != TypeAuthResponse {
			continue
		}
		switch p.ID {
		case id:
			return nil
		case -1:
			return ErrAuthFailed
		default:
			return fmt.Errorf("%w: auth response id %d, sent %d", ErrPacket, p.ID, id)
		}
	}
}

func (c *Client) id() int32 {
	id := c.nextID
	c.nextID++
	if c.nextID <= 0 { // keep ids positive: -1 means auth failure
		c.nextID = 1
	}
	return id
}

func (c *Client) drop() {
	if c.conn != nil {
		c.conn.Close()
	}
	c.conn, c.br = nil, nil
}

// Close closes the connection. Later Execs return ErrClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.drop()
	return nil
}
