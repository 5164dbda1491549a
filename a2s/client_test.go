package a2s_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/left4me/left4me/a2s"
)

// fakeServer answers A2S like L4D2: every query, INFO included, must carry
// the challenge it hands out. mode changes its answers for error tests.
type fakeServer struct {
	conn      *net.UDPConn
	challenge uint32
	info      a2s.Info
	players   []a2s.Player
	rules     []a2s.Rule
	mode      string // "", "silent", "bzip2", "challenge-loop"

	mu       sync.Mutex
	requests []a2s.Request
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{conn: conn, challenge: 0x0badf00d, info: l4d2Info}
	t.Cleanup(func() { conn.Close() })
	return f
}

func (f *fakeServer) start() string {
	go f.serve()
	return f.conn.LocalAddr().String()
}

func (f *fakeServer) serve() {
	buf := make([]byte, 2048)
	n := uint32(0)
	for {
		k, src, err := f.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		req, err := a2s.ParseRequest(buf[:k])
		if err != nil {
			continue
		}
		f.mu.Lock()
		f.requests = append(f.requests, req)
		f.mu.Unlock()
		n++
		f.reply(req, src, n)
	}
}

func (f *fakeServer) reply(req a2s.Request, src netip.AddrPort, n uint32) {
	switch {
	case f.mode == "silent":
		return
	case f.mode == "challenge-loop": // a fresh challenge every time
		f.conn.WriteToUDPAddrPort(a2s.AppendChallenge(nil, f.challenge+n), src)
		return
	case !req.HasChallenge || req.Challenge != f.challenge:
		f.conn.WriteToUDPAddrPort(a2s.AppendChallenge(nil, f.challenge), src)
		return
	case f.mode == "bzip2":
		part := make([]byte, 12)
		copy(part, "\xfe\xff\xff\xff")
		binary.LittleEndian.PutUint32(part[4:], 0x80000001)
		part[8], part[9] = 2, 0
		f.conn.WriteToUDPAddrPort(part, src)
		return
	}
	var pkt []byte
	switch req.Kind {
	case a2s.KindInfoRequest:
		pkt = a2s.AppendInfo(nil, f.info)
	case a2s.KindPlayerRequest:
		pkt = a2s.AppendPlayers(nil, f.players)
	default:
		pkt = a2s.AppendRules(nil, f.rules)
	}
	parts := a2s.Split(n, pkt, a2s.DefaultSplitSize)
	for i := len(parts) - 1; i >= 0; i-- { // out of order on purpose
		f.conn.WriteToUDPAddrPort(parts[i], src)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestQueriesWithChallenges(t *testing.T) {
	f := newFakeServer(t)
	f.players = []a2s.Player{{Name: "Alucard X", Score: 3, Duration: 60}}
	for i := range 150 { // ~5 KB of rules: a split reply
		f.rules = append(f.rules, a2s.Rule{Name: fmt.Sprintf("sm_cvar_number_%03d", i), Value: "some value"})
	}
	addr := f.start()
	info, err := a2s.QueryInfo(ctx(t), addr)
	if err != nil || !reflect.DeepEqual(info, l4d2Info) {
		t.Fatalf("QueryInfo = %+v, %v", info, err)
	}
	players, err := a2s.QueryPlayers(ctx(t), addr)
	if err != nil || !reflect.DeepEqual(players, f.players) {
		t.Fatalf("QueryPlayers = %+v, %v", players, err)
	}
	rules, err := a2s.QueryRules(ctx(t), addr)
	if err != nil || !reflect.DeepEqual(rules, f.rules) {
		t.Fatalf("QueryRules: %d rules, %v", len(rules), err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// Each query: first without a valid challenge, then with it.
	if len(f.requests) != 6 || f.requests[0].HasChallenge || f.requests[1].Challenge != f.challenge {
		t.Fatalf("requests = %+v", f.requests)
	}
}

func TestTimeout(t *testing.T) {
	f := newFakeServer(t)
	f.mode = "silent"
	addr := f.start()
	c, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := a2s.QueryInfo(c, addr)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("returned after %v", d)
	}
}

func TestCompressedSplitRefused(t *testing.T) {
	f := newFakeServer(t)
	f.mode = "bzip2"
	addr := f.start()
	if _, err := a2s.QueryRules(ctx(t), addr); !errors.Is(err, a2s.ErrCompressed) {
		t.Fatalf("err = %v, want ErrCompressed", err)
	}
}

func TestEndlessChallengesGiveUp(t *testing.T) {
	f := newFakeServer(t)
	f.mode = "challenge-loop"
	addr := f.start()
	if _, err := a2s.QueryInfo(ctx(t), addr); err == nil {
		t.Fatal("no error from a server that only hands out challenges")
	}
}

func TestSplitReassembly(t *testing.T) {
	pkt := a2s.AppendRules(nil, []a2s.Rule{{Name: "x", Value: string(make([]byte, 4000))}})
	parts := a2s.Split(7, pkt, 1000)
	if len(parts) != 5 {
		t.Fatalf("%d parts", len(parts))
	}
	var r a2s.Reassembler
	order := []int{3, 0, 4, 1, 2}
	for i, n := range order {
		// A part of another reply in between is ignored.
		if i == 2 {
			stale := a2s.Split(8, pkt, 1000)[1]
			if got, err := r.Add(stale); got != nil || err != nil {
				t.Fatalf("stale part: %v %v", got, err)
			}
		}
		got, err := r.Add(parts[n])
		if err != nil {
			t.Fatal(err)
		}
		if (got != nil) != (i == len(order)-1) {
			t.Fatalf("after part %d complete=%v", n, got != nil)
		}
		if got != nil && string(got) != string(pkt) {
			t.Fatal("reassembled packet differs")
		}
	}
	if small := a2s.Split(1, []byte("\xff\xff\xff\xffIx"), 0); len(small) != 1 {
		t.Fatalf("small packet split into %d", len(small))
	}
}

func FuzzReassembler(f *testing.F) {
	pkt := a2s.AppendRules(nil, []a2s.Rule{{Name: "x", Value: string(make([]byte, 3000))}})
	for _, p := range a2s.Split(3, pkt, 1248) {
		f.Add(p, p)
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var r a2s.Reassembler
		r.Add(a)
		r.Add(b)
	})
}
