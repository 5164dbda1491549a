//go:build !linux

package rcon

import "net"

type socketState int

const (
	socketEmpty socketState = iota
	socketData
	socketClosed
)

// peekSocket cannot look without blocking here: the connection is assumed
// open, and a dead one is found by the command's own read.
func peekSocket(net.Conn) socketState { return socketEmpty }
