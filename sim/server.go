package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// ErrFailStart is returned by Start under -simfailstart.
var ErrFailStart = errors.New("simulated start failure (-simfailstart)")

// ErrCrashed is what Run reports when -simcrashafter fires.
var ErrCrashed = errors.New("simulated crash (-simcrashafter)")

// Server is one running simulated game server.
type Server struct {
	cfg     Config
	out     io.Writer
	gameDir string
	tcp     net.Listener
	udp     *net.UDPConn
	cancel  context.CancelFunc
	done    chan struct{}
	wg      sync.WaitGroup
	crashed bool

	mu        sync.Mutex // guards everything below
	cvars     map[string]*cvar
	mapName   string
	mapStart  time.Time
	execd     []string
	logOn     bool
	logAddrs  []netip.AddrPort
	players   []*player
	nextUID   int
	rng       *rand.Rand
	conns     map[net.Conn]struct{}
	execStack []string
	failures  map[netip.Addr][]time.Time // failed RCON logins per address
	banned    map[netip.Addr]time.Time   // banned until (zero: forever)
}

// Start binds the game port (TCP and UDP), runs the command-line commands
// and server.cfg, and starts serving. Output lines go to out.
func Start(ctx context.Context, cfg Config, out io.Writer) (*Server, error) {
	if cfg.FailStart {
		fmt.Fprintln(out, "Failed to open dedicated_srv.so (simulated by -simfailstart)")
		return nil, ErrFailStart
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Root == "" {
		cfg.Root = "."
	}
	s := &Server{cfg: cfg, out: out, gameDir: filepath.Join(cfg.Root, cfg.Game), done: make(chan struct{}),
		cvars: defaultCvars(), nextUID: 2, conns: map[net.Conn]struct{}{},
		failures: map[netip.Addr][]time.Time{}, banned: map[netip.Addr]time.Time{},
		rng: rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(cfg.Seed)^0x5eed))}
	if err := s.bind(); err != nil {
		return nil, err
	}
	s.banner()
	s.mu.Lock()
	for _, c := range cfg.Commands {
		s.run(append([]string{c.Name}, c.Args...), nil)
	}
	s.loadMap(cfg.Map)
	s.populate()
	s.mu.Unlock()
	fmt.Fprintln(out, "Connection to Steam servers successful.\n   VAC secure mode is activated.")

	ctx, s.cancel = context.WithCancel(ctx)
	s.wg.Add(3)
	go func() { defer s.wg.Done(); s.serveRCON() }()
	go func() { defer s.wg.Done(); s.serveUDP() }()
	go func() { defer s.wg.Done(); s.simulate(ctx) }()
	go func() {
		<-ctx.Done()
		s.tcp.Close()
		s.udp.Close()
		s.closeConns()
		s.wg.Wait()
		close(s.done)
	}()
	return s, nil
}

// bind opens TCP and UDP on one port. With port 0 it takes the kernel's
// TCP choice and retries a few times if that port is taken for UDP.
func (s *Server) bind() error {
	for try := 0; ; try++ {
		tcp, err := net.Listen("tcp4", net.JoinHostPort(s.cfg.IP, strconv.Itoa(s.cfg.Port)))
		if err != nil {
			return fmt.Errorf("couldn't bind tcp %s:%d: %w", s.cfg.IP, s.cfg.Port, err)
		}
		port := tcp.Addr().(*net.TCPAddr).Port
		udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(s.cfg.IP), Port: port})
		if err != nil {
			tcp.Close()
			if s.cfg.Port == 0 && try < 10 {
				continue
			}
			return fmt.Errorf("couldn't bind udp %s:%d: %w", s.cfg.IP, port, err)
		}
		s.tcp, s.udp, s.cfg.Port = tcp, udp, port
		return nil
	}
}

func (s *Server) banner() {
	fmt.Fprintf(s.out, "Console initialized.\nGame.dll loaded for \"Left 4 Dead 2\"\n")
	fmt.Fprintf(s.out, "Network: IP %s, mode MP, dedicated Yes, ports %d SV / %d CL\n", s.cfg.IP, s.cfg.Port, s.cfg.Port-10)
	if s.cfg.Tickrate > 0 {
		fmt.Fprintf(s.out, "Tickrate: %d\n", s.cfg.Tickrate)
	}
	fmt.Fprintln(s.out, "Initializing Steam libraries for secure Internet server")
}

// Port is the game port (TCP and UDP) the server listens on.
func (s *Server) Port() int { return s.cfg.Port }

// Addr is ip:port of the game port, with 127.0.0.1 for an unspecified IP.
func (s *Server) Addr() string {
	ip := s.cfg.IP
	if ip == "0.0.0.0" || ip == "" {
		ip = "127.0.0.1"
	}
	return net.JoinHostPort(ip, strconv.Itoa(s.cfg.Port))
}

// Exec runs a console command line as the server console would, returning
// its output. It is how tests compare RCON output with the real thing.
func (s *Server) Exec(line string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.execLine(line, nil)
}

// Close stops the server and waits until every goroutine has returned.
func (s *Server) Close() error {
	s.cancel()
	<-s.done
	return nil
}

// Done is closed when the server has stopped.
func (s *Server) Done() <-chan struct{} { return s.done }

func (s *Server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}
