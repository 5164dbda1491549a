package sim

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// session is the RCON connection a command came from (nil for the console
// and cfg files); changelevel marks it to be closed.
type session struct {
	closeAfter bool
}

// splitCommands splits a console line into commands at ';' outside quotes
// and drops a // comment outside quotes, as the srcds command buffer does.
func splitCommands(line string) []string {
	var cmds []string
	inQuote, start := false, 0
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '"':
			inQuote = !inQuote
		case inQuote:
		case line[i] == ';':
			cmds = append(cmds, line[start:i])
			start = i + 1
		case line[i] == '/' && i+1 < len(line) && line[i+1] == '/':
			return append(cmds, line[start:i])
		}
	}
	return append(cmds, line[start:])
}

// tokenize splits one command into words; "quoted words" keep spaces.
func tokenize(cmd string) []string {
	var words []string
	for {
		cmd = strings.TrimLeft(cmd, " \t\r\n")
		if cmd == "" {
			return words
		}
		if cmd[0] == '"' {
			end := strings.IndexByte(cmd[1:], '"')
			if end < 0 {
				return append(words, cmd[1:])
			}
			words = append(words, cmd[1:end+1])
			cmd = cmd[end+2:]
			continue
		}
		end := strings.IndexAny(cmd, " \t\r\n")
		if end < 0 {
			return append(words, cmd)
		}
		words = append(words, cmd[:end])
		cmd = cmd[end:]
	}
}

// execLine runs every command of a console line; s.mu is held.
func (s *Server) execLine(line string, sess *session) string {
	var out strings.Builder
	for _, c := range splitCommands(line) {
		if words := tokenize(c); len(words) > 0 {
			out.WriteString(s.run(words, sess))
		}
	}
	return out.String()
}

// argString is the argument text srcds hands to cvars and say: the words
// joined by single spaces.
func argString(words []string) string { return strings.Join(words[1:], " ") }

// run executes one tokenized command; s.mu is held.
func (s *Server) run(words []string, sess *session) string {
	name := strings.ToLower(words[0])
	if h, ok := commands[name]; ok {
		return h(s, words, sess)
	}
	if c, ok := s.cvars[name]; ok && len(words) == 1 {
		return fmt.Sprintf("\"%s\" = \"%s\"\n", c.name, c.value) // raw, as srcds prints it
	}
	if len(words) == 1 {
		return fmt.Sprintf("Unknown command \"%s\"\n", words[0])
	}
	s.setCvar(words[0], argString(words))
	return ""
}

// commands are the console commands the sim implements beyond cvars.
var commands map[string]func(*Server, []string, *session) string

func init() {
	commands = map[string]func(*Server, []string, *session) string{
		"status":            (*Server).cmdStatus,
		"users":             (*Server).cmdUsers,
		"exec":              (*Server).cmdExec,
		"echo":              func(_ *Server, w []string, _ *session) string { return argString(w) + "\n" },
		"say":               (*Server).cmdSay,
		"changelevel":       (*Server).cmdChangelevel,
		"map":               (*Server).cmdChangelevel,
		"kick":              (*Server).cmdKick,
		"kickid":            (*Server).cmdKickID,
		"log":               (*Server).cmdLog,
		"logaddress_add":    (*Server).cmdLogAdd,
		"logaddress_del":    (*Server).cmdLogDel,
		"logaddress_list":   (*Server).cmdLogList,
		"logaddress_delall": (*Server).cmdLogDelAll,
		"cvarlist":          func(s *Server, _ []string, _ *session) string { return s.cvarList() },
		"removeip":          (*Server).cmdRemoveIP,
		"quit":              (*Server).cmdQuit,
		"exit":              (*Server).cmdQuit,
		"sim_execd":         func(s *Server, _ []string, _ *session) string { return lines(s.execd) },
		"sim_addons":        (*Server).cmdAddons,
	}
}

func lines(l []string) string {
	if len(l) == 0 {
		return ""
	}
	return strings.Join(l, "\n") + "\n"
}

func (s *Server) cmdSay(w []string, _ *session) string {
	if len(w) < 2 {
		return ""
	}
	s.logf("Server say \"%s\"", argString(w))
	return ""
}

func (s *Server) cmdChangelevel(w []string, sess *session) string {
	if len(w) < 2 {
		return "Usage:  changelevel <map>\n"
	}
	s.loadMap(w[1])
	if sess != nil {
		sess.closeAfter = true
	}
	return ""
}

func (s *Server) cmdQuit(_ []string, _ *session) string {
	fmt.Fprintln(s.out, "Server shutting down (quit)")
	go s.cancel()
	return ""
}

// cmdLogAdd mimics `logaddress_add ip:port` and its two-space reply.
func (s *Server) cmdLogAdd(w []string, _ *session) string {
	if len(w) < 2 {
		return "Usage:  logaddress_add ip:port\n"
	}
	ap, err := resolveAddrPort(argString(w))
	if err != nil {
		return fmt.Sprintf("logaddress_add:  unable to resolve %s\n", argString(w))
	}
	for _, a := range s.logAddrs {
		if a == ap {
			return fmt.Sprintf("logaddress_add:  %s is already in the list\n", ap)
		}
	}
	s.logAddrs = append(s.logAddrs, ap)
	return fmt.Sprintf("logaddress_add:  %s\n", ap)
}

func (s *Server) cmdLogDel(w []string, _ *session) string {
	if len(w) < 2 {
		return "Usage:  logaddress_del ip:port\n"
	}
	ap, err := resolveAddrPort(argString(w))
	if err != nil {
		return fmt.Sprintf("logaddress_del:  unable to resolve %s\n", argString(w))
	}
	for i, a := range s.logAddrs {
		if a == ap {
			s.logAddrs = append(s.logAddrs[:i], s.logAddrs[i+1:]...)
			return fmt.Sprintf("logaddress_del:  %s\n", ap)
		}
	}
	return fmt.Sprintf("logaddress_del:  address %s not found in the list\n", ap)
}

func (s *Server) cmdLogList(_ []string, _ *session) string {
	if len(s.logAddrs) == 0 {
		return "logaddress_list:  no addresses in the list\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "logaddress_list:  %d entries\n", len(s.logAddrs))
	for _, a := range s.logAddrs {
		fmt.Fprintf(&b, "%s\n", a)
	}
	return b.String()
}

func (s *Server) cmdLogDelAll(_ []string, _ *session) string {
	s.logAddrs = nil
	return "logaddress_delall:  all addresses cleared\n"
}

// resolveAddrPort reads ip:port (a host name is resolved, as srcds does).
func resolveAddrPort(v string) (netip.AddrPort, error) {
	v = strings.ReplaceAll(v, " ", "")
	if ap, err := netip.ParseAddrPort(v); err == nil {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
	}
	ua, err := net.ResolveUDPAddr("udp4", v)
	if err != nil {
		return netip.AddrPort{}, err
	}
	ap := ua.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}
