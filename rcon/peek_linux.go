package rcon

import (
	"net"
	"syscall"
)

type socketState int

const (
	socketEmpty socketState = iota
	socketData
	socketClosed
)

// peekSocket looks at the connection without consuming or blocking
// (MSG_PEEK|MSG_DONTWAIT): a read deadline in the past would not do, since
// Go then fails the read without asking the kernel.
func peekSocket(conn net.Conn) socketState {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return socketEmpty
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return socketEmpty
	}
	state := socketEmpty
	var buf [1]byte
	rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == syscall.EAGAIN || err == syscall.EINTR:
		case err != nil || n == 0:
			state = socketClosed
		default:
			state = socketData
		}
		return true
	})
	return state
}
