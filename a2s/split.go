package a2s

import (
	"encoding/binary"
	"fmt"
)

// splitHeader is the prefix of every part of a split reply.
var splitHeader = []byte{0xFE, 0xFF, 0xFF, 0xFF}

// Split returns pkt as it goes on the wire: itself when its payload fits
// MaxPayload, else parts of at most size payload bytes, each with the Source
// split header (id, total, number, size). id must not have its top bit set:
// that bit announces bzip2 compression.
func Split(id uint32, pkt []byte, size int) [][]byte {
	if len(pkt)-len(header) <= MaxPayload {
		return [][]byte{pkt}
	}
	if size <= 0 {
		size = DefaultSplitSize
	}
	total := (len(pkt) + size - 1) / size
	parts := make([][]byte, 0, total)
	for n := 0; n < total; n++ {
		chunk := pkt[n*size : min(len(pkt), (n+1)*size)]
		b := append([]byte(nil), splitHeader...)
		b = binary.LittleEndian.AppendUint32(b, id&0x7FFFFFFF)
		b = append(b, byte(total), byte(n))
		b = binary.LittleEndian.AppendUint16(b, uint16(size))
		parts = append(parts, append(b, chunk...))
	}
	return parts
}

// Reassembler joins the parts of one split reply. The zero value is ready.
type Reassembler struct {
	id    uint32
	parts [][]byte
	got   int
}

// Add takes one received datagram. It returns the complete packet (with
// its FF FF FF FF header) once all parts are in, or nil while parts are
// missing. A simple packet is returned as is. Parts of a different reply id
// than the first part seen are ignored (a stale reply).
func (r *Reassembler) Add(dgram []byte) ([]byte, error) {
	if len(dgram) >= 4 && string(dgram[:4]) == string(header) {
		return dgram, nil
	}
	if len(dgram) < 12 || string(dgram[:4]) != string(splitHeader) {
		return nil, fmt.Errorf("%w: unknown packet header", ErrMalformed)
	}
	id := binary.LittleEndian.Uint32(dgram[4:])
	if id&0x80000000 != 0 {
		return nil, ErrCompressed
	}
	total, num := int(dgram[8]), int(dgram[9])
	if total == 0 || num >= total {
		return nil, fmt.Errorf("%w: split part %d of %d", ErrMalformed, num, total)
	}
	if r.parts == nil {
		r.id, r.parts = id, make([][]byte, total)
	}
	if id != r.id || total != len(r.parts) || r.parts[num] != nil {
		return nil, nil
	}
	r.parts[num] = append([]byte(nil), dgram[12:]...)
	r.got++
	if r.got < total {
		return nil, nil
	}
	var pkt []byte
	for _, p := range r.parts {
		pkt = append(pkt, p...)
	}
	*r = Reassembler{}
	return pkt, nil
}
