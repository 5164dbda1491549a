// Package rcon implements the Source RCON protocol (TCP) that srcds, and so
// Left 4 Dead 2, speaks on its game port: the packet codec shared by the
// client here and by srcds-sim's server, and a Client that authenticates,
// reassembles multi-packet output and reconnects after the server hangs up.
package rcon

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Packet types. EXECCOMMAND and AUTH_RESPONSE share the value 2: which one a
// packet is depends on its direction.
const (
	TypeResponseValue int32 = 0
	TypeExecCommand   int32 = 2
	TypeAuthResponse  int32 = 2
	TypeAuth          int32 = 3
)

// MaxPacketSize is the largest size field srcds sends or accepts; longer
// output is split over several RESPONSE_VALUE packets.
const MaxPacketSize = 4096

// MaxBody is the largest body that fits one packet.
const MaxBody = MaxPacketSize - 10

// ErrPacket is wrapped by every error about a malformed packet.
var ErrPacket = errors.New("malformed rcon packet")

// Packet is one RCON packet. Body excludes the two trailing NUL bytes and may
// itself contain NUL bytes.
type Packet struct {
	ID   int32
	Type int32
	Body []byte
}

// AppendPacket appends the wire form of p to b. Bodies longer than MaxBody
// are written as given: splitting is the sender's job.
func AppendPacket(b []byte, p Packet) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(p.Body)+10))
	b = binary.LittleEndian.AppendUint32(b, uint32(p.ID))
	b = binary.LittleEndian.AppendUint32(b, uint32(p.Type))
	b = append(b, p.Body...)
	return append(b, 0, 0)
}

// ReadPacket reads exactly one packet from r. The body is read by the size
// field, never by searching for NUL, so bodies with NUL bytes survive. A size
// below 10 or above MaxPacketSize is refused with ErrPacket, since it cannot
// come from a Source server and trusting it would let a peer make us
// allocate without bound.
func ReadPacket(r io.Reader) (Packet, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return Packet{}, err
	}
	size := int32(binary.LittleEndian.Uint32(hdr[0:4]))
	if size < 10 || size > MaxPacketSize {
		return Packet{}, fmt.Errorf("%w: size %d", ErrPacket, size)
	}
	rest := make([]byte, size-8)
	if _, err := io.ReadFull(r, rest); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Packet{}, err
	}
	if rest[len(rest)-1] != 0 {
		return Packet{}, fmt.Errorf("%w: missing terminating NUL", ErrPacket)
	}
	p := Packet{
		ID:   int32(binary.LittleEndian.Uint32(hdr[4:8])),
		Type: int32(binary.LittleEndian.Uint32(hdr[8:12])),
		// Servers end the body with one NUL and the packet with another;
		// the body is everything before those two bytes.
		Body: rest[:len(rest)-2],
	}
	return p, nil
}
