package a2s

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// DefaultTimeout bounds a query whose context has no deadline.
const DefaultTimeout = 3 * time.Second

// maxChallengeRounds caps how often a server may answer with a fresh
// challenge instead of data before the query gives up.
const maxChallengeRounds = 3

// QueryInfo asks the server at addr (host:port) for A2S_INFO, answering a
// 0x41 challenge by repeating the request with it, as L4D2 may demand.
func QueryInfo(ctx context.Context, addr string) (Info, error) {
	pkt, err := query(ctx, addr, KindInfoRequest, KindInfoReply)
	if err != nil {
		return Info{}, err
	}
	return DecodeInfo(pkt)
}

// QueryPlayers asks the server at addr for A2S_PLAYER.
func QueryPlayers(ctx context.Context, addr string) ([]Player, error) {
	pkt, err := query(ctx, addr, KindPlayerRequest, KindPlayerReply)
	if err != nil {
		return nil, err
	}
	return DecodePlayers(pkt)
}

// QueryRules asks the server at addr for A2S_RULES.
func QueryRules(ctx context.Context, addr string) ([]Rule, error) {
	pkt, err := query(ctx, addr, KindRulesRequest, KindRulesReply)
	if err != nil {
		return nil, err
	}
	return DecodeRules(pkt)
}

// query runs one request/challenge exchange and returns the reassembled
// reply packet of kind want.
func query(ctx context.Context, addr string, kind, want byte) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return nil, fmt.Errorf("a2s dial %s: %w", addr, err)
	}
	defer conn.Close()
	dl, _ := ctx.Deadline()
	conn.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	challenge, has := NoChallenge, kind != KindInfoRequest
	for range maxChallengeRounds {
		if _, err := conn.Write(AppendRequest(nil, kind, challenge, has)); err != nil {
			return nil, fmt.Errorf("a2s query %s: %w", addr, err)
		}
		pkt, err := readReply(conn)
		if err != nil {
			return nil, fmt.Errorf("a2s query %s: %w", addr, err)
		}
		switch pkt[4] {
		case want:
			return pkt, nil
		case KindChallenge:
			if challenge, err = DecodeChallenge(pkt); err != nil {
				return nil, err
			}
			has = true
		default:
			return nil, fmt.Errorf("a2s query %s: %w: reply kind 0x%02x, want 0x%02x", addr, ErrMalformed, pkt[4], want)
		}
	}
	return nil, fmt.Errorf("a2s query %s: %w", addr, errors.New("too many challenges"))
}

// readReply reads datagrams until one complete packet is assembled.
func readReply(conn net.Conn) ([]byte, error) {
	var r Reassembler
	buf := make([]byte, 65535)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return nil, err
		}
		pkt, err := r.Add(buf[:n])
		if err != nil {
			return nil, err
		}
		if pkt != nil {
			if len(pkt) < 5 {
				return nil, fmt.Errorf("%w: short packet", ErrMalformed)
			}
			return append([]byte(nil), pkt...), nil
		}
	}
}
