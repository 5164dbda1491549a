package a2s

import (
	"encoding/binary"
	"fmt"
)

// NoChallenge is the challenge value a client sends to ask for one.
const NoChallenge uint32 = 0xFFFFFFFF

// Request is a decoded client query, as a server sees it.
type Request struct {
	Kind byte // KindInfoRequest, KindPlayerRequest or KindRulesRequest
	// Challenge is the value the client sent; HasChallenge is false for an
	// INFO request without one (the pre-2020 form).
	Challenge    uint32
	HasChallenge bool
}

// AppendRequest appends a query packet to b. For INFO the challenge is
// appended only when hasChallenge is set; PLAYER and RULES always carry one
// (NoChallenge to request it).
func AppendRequest(b []byte, kind byte, challenge uint32, hasChallenge bool) []byte {
	b = append(append(b, header...), kind)
	if kind == KindInfoRequest {
		b = append(b, infoRequestPayload...)
		if !hasChallenge {
			return b
		}
	}
	return binary.LittleEndian.AppendUint32(b, challenge)
}

// ParseRequest decodes a query packet received by a server.
func ParseRequest(pkt []byte) (Request, error) {
	if len(pkt) < 5 || string(pkt[:4]) != string(header) {
		return Request{}, fmt.Errorf("%w: no simple-packet header", ErrMalformed)
	}
	req := Request{Kind: pkt[4]}
	rest := pkt[5:]
	switch req.Kind {
	case KindInfoRequest:
		if len(rest) < len(infoRequestPayload) || string(rest[:len(infoRequestPayload)]) != infoRequestPayload {
			return Request{}, fmt.Errorf("%w: bad info request payload", ErrMalformed)
		}
		rest = rest[len(infoRequestPayload):]
		if len(rest) == 0 {
			return req, nil
		}
	case KindPlayerRequest, KindRulesRequest:
	default:
		return Request{}, fmt.Errorf("%w: unknown request kind 0x%02x", ErrMalformed, req.Kind)
	}
	if len(rest) < 4 {
		return Request{}, fmt.Errorf("%w: truncated challenge", ErrMalformed)
	}
	req.Challenge, req.HasChallenge = binary.LittleEndian.Uint32(rest), true
	return req, nil
}
