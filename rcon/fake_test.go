package rcon_test

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/left4me/left4me/rcon"
)

// fakeServer is a stateful Source RCON server for client tests. It answers
// like srcds (empty RESPONSE_VALUE before AUTH_RESPONSE unless noAuthEmpty,
// mirror plus 00 01 00 00 after the client's empty packet) and records
// what it was asked.
type fakeServer struct {
	ln net.Listener

	mu          sync.Mutex
	password    string
	noAuthEmpty bool
	outputs     map[string]string // command → output; absent → echo of the command
	auths       int               // AUTH packets received
	execs       map[string]int    // commands executed
	conns       map[net.Conn]bool
}

func newFakeServer(t *testing.T, password string) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{ln: ln, password: password, outputs: map[string]string{},
		execs: map[string]int{}, conns: map[net.Conn]bool{}}
	go f.accept()
	t.Cleanup(func() { ln.Close(); f.dropAll() })
	return f
}

func (f *fakeServer) addr() string { return f.ln.Addr().String() }

func (f *fakeServer) accept() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns[c] = true
		f.mu.Unlock()
		go f.serve(c)
	}
}

// dropAll closes every connection, as srcds may on changelevel.
func (f *fakeServer) dropAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		c.Close()
		delete(f.conns, c)
	}
}

func (f *fakeServer) count(cmd string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.execs[cmd]
}

func (f *fakeServer) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	send := func(p rcon.Packet) { c.Write(rcon.AppendPacket(nil, p)) }
	for {
		p, err := rcon.ReadPacket(br)
		if err != nil {
			return
		}
		f.mu.Lock()
		switch p.Type {
		case rcon.TypeAuth:
			f.auths++
			id := p.ID
			if f.password == "" || string(p.Body) != f.password {
				id = -1
			}
			if !f.noAuthEmpty {
				send(rcon.Packet{ID: p.ID, Type: rcon.TypeResponseValue})
			}
			send(rcon.Packet{ID: id, Type: rcon.TypeAuthResponse})
		case rcon.TypeExecCommand:
			cmd := string(p.Body)
			f.execs[cmd]++
			f.mu.Unlock()
			if !f.command(c, p, send) {
				return
			}
			continue
		case rcon.TypeResponseValue:
			send(rcon.Packet{ID: p.ID, Type: rcon.TypeResponseValue})
			send(rcon.Packet{ID: p.ID, Type: rcon.TypeResponseValue, Body: []byte{0, 1, 0, 0}})
		}
		f.mu.Unlock()
	}
}

// command answers one EXECCOMMAND; false closes the connection.
func (f *fakeServer) command(c net.Conn, p rcon.Packet, send func(rcon.Packet)) bool {
	cmd := string(p.Body)
	switch {
	case cmd == "hang": // never answers, and swallows the terminator too
		select {}
	case cmd == "silent": // no packet at all, like some srcds commands
		return true
	case cmd == "die": // executes, then the connection goes down mid-command
		return false
	case strings.HasPrefix(cmd, "echo "):
		send(rcon.Packet{ID: p.ID, Type: rcon.TypeResponseValue, Body: []byte(cmd[5:])})
		return true
	}
	f.mu.Lock()
	out, ok := f.outputs[cmd]
	f.mu.Unlock()
	if !ok {
		out = cmd
	}
	b := []byte(out)
	for len(b) > 0 {
		n := min(len(b), rcon.MaxBody)
		send(rcon.Packet{ID: p.ID, Type: rcon.TypeResponseValue, Body: b[:n]})
		b = b[n:]
	}
	return true
}
