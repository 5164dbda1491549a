package srcdslog_test

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/left4me/left4me/srcdslog"
)

type sender struct{ conn *net.UDPConn }

func newSender(t *testing.T, to netip.AddrPort) (sender, netip.AddrPort) {
	t.Helper()
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(to))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return sender{c}, c.LocalAddr().(*net.UDPAddr).AddrPort()
}

func (s sender) say(t *testing.T, text, secret string) {
	t.Helper()
	d := srcdslog.AppendDatagram(nil, time.Now(), `Server say "`+text+`"`, secret)
	if _, err := s.conn.Write(d); err != nil {
		t.Fatal(err)
	}
}

type routed struct {
	server string
	text   string
}

func TestListenerRoutesBySourceAndChecksSecret(t *testing.T) {
	l, err := srcdslog.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- l.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	got := make(chan routed, 16)
	route := func(name string) srcdslog.Handler {
		return func(ev srcdslog.Event) { got <- routed{name, ev.Text} }
	}
	plain, plainAddr := newSender(t, l.Addr())
	secret, secretAddr := newSender(t, l.Addr())
	stranger, _ := newSender(t, l.Addr())
	anyIP, anyIPAddr := newSender(t, l.Addr())
	l.Register(plainAddr, "", route("plain"))
	l.Register(secretAddr, "4242", route("secret"))
	l.Register(netip.AddrPortFrom(netip.IPv4Unspecified(), anyIPAddr.Port()), "", route("any-ip"))

	stranger.say(t, "from nobody", "")   // unregistered: dropped
	secret.say(t, "forged", "")          // no secret: dropped
	secret.say(t, "wrong", "4243")       // wrong secret: dropped
	plain.say(t, "hello", "")            // delivered
	secret.say(t, "with secret", "4242") // delivered
	anyIP.say(t, "port match", "")       // delivered via 0.0.0.0:port
	want := []routed{{"plain", "hello"}, {"secret", "with secret"}, {"any-ip", "port match"}}
	for _, w := range want {
		select {
		case r := <-got:
			if r != w {
				t.Fatalf("got %+v, want %+v", r, w)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("timed out waiting for %+v", w)
		}
	}
	l.Unregister(plainAddr)
	plain.say(t, "after unregister", "")
	secret.say(t, "marker", "4242")
	if r := <-got; r != (routed{"secret", "marker"}) {
		t.Fatalf("got %+v after unregister, want only the marker", r)
	}
}
