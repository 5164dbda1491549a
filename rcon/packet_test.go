package rcon_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/left4me/left4me/rcon"
)

// loadCaptures reads testdata/reference.txt: "name hex hex …" lines.
func loadCaptures(t testing.TB) map[string][]byte {
	t.Helper()
	f, err := os.Open("testdata/reference.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	caps := map[string][]byte{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, hx, _ := strings.Cut(line, " ")
		b, err := hex.DecodeString(strings.ReplaceAll(hx, " ", ""))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		caps[name] = b
	}
	return caps
}

func TestReferenceCaptures(t *testing.T) {
	caps := loadCaptures(t)
	tests := []struct {
		name string
		want rcon.Packet
	}{
		{"auth_request", rcon.Packet{ID: 0, Type: rcon.TypeAuth, Body: []byte("passwrd")}},
		{"auth_empty", rcon.Packet{ID: 0, Type: rcon.TypeResponseValue, Body: []byte{}}},
		{"auth_ok", rcon.Packet{ID: 0, Type: rcon.TypeAuthResponse, Body: []byte{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := caps[tt.name]
			if raw == nil {
				t.Fatal("capture missing")
			}
			if got := rcon.AppendPacket(nil, tt.want); !bytes.Equal(got, raw) {
				t.Errorf("encode = % x, want % x", got, raw)
			}
			p, err := rcon.ReadPacket(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if p.ID != tt.want.ID || p.Type != tt.want.Type || !bytes.Equal(p.Body, tt.want.Body) {
				t.Errorf("decode = %+v, want %+v", p, tt.want)
			}
		})
	}
}

func TestReadPacketBodyWithNULs(t *testing.T) {
	body := []byte("a\x00b\x00\x00c")
	var stream []byte
	stream = rcon.AppendPacket(stream, rcon.Packet{ID: 7, Type: 0, Body: body})
	stream = rcon.AppendPacket(stream, rcon.Packet{ID: 8, Type: 0, Body: []byte("next")})
	r := bytes.NewReader(stream)
	p, err := rcon.ReadPacket(r)
	if err != nil || !bytes.Equal(p.Body, body) || p.ID != 7 {
		t.Fatalf("first packet = %+v, %v", p, err)
	}
	p, err = rcon.ReadPacket(r)
	if err != nil || string(p.Body) != "next" {
		t.Fatalf("second packet = %+v, %v", p, err)
	}
	if _, err := rcon.ReadPacket(r); err != io.EOF {
		t.Fatalf("at end: %v, want io.EOF", err)
	}
}

func TestReadPacketRejects(t *testing.T) {
	tests := map[string]struct {
		in   []byte
		want error
	}{
		"size too small":   {[]byte{9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, rcon.ErrPacket},
		"size too large":   {[]byte{0x01, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, rcon.ErrPacket},
		"negative size":    {[]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0}, rcon.ErrPacket},
		"no final NUL":     {[]byte{10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, rcon.ErrPacket},
		"truncated body":   {[]byte{20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'x'}, io.ErrUnexpectedEOF},
		"truncated header": {[]byte{10, 0, 0}, io.ErrUnexpectedEOF},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := rcon.ReadPacket(bytes.NewReader(tt.in)); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func FuzzReadPacket(f *testing.F) {
	for _, b := range loadCaptures(f) {
		f.Add(b)
	}
	f.Add(rcon.AppendPacket(nil, rcon.Packet{ID: 1, Type: 2, Body: []byte("x\x00y")}))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := rcon.ReadPacket(bytes.NewReader(in))
		if err != nil {
			return
		}
		// Whatever was accepted re-encodes to a packet that reads back the same.
		again, err := rcon.ReadPacket(bytes.NewReader(rcon.AppendPacket(nil, p)))
		if err != nil || again.ID != p.ID || again.Type != p.Type || !bytes.Equal(again.Body, p.Body) {
			t.Fatalf("round trip of %+v: %+v, %v", p, again, err)
		}
		if len(p.Body) > rcon.MaxBody {
			t.Fatalf("accepted body of %d bytes", len(p.Body))
		}
	})
}
