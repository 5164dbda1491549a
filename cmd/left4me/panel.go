package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/host"
	"github.com/left4me/left4me/jobs"
	"github.com/left4me/left4me/sqlite"
	"github.com/left4me/left4me/web"
)

// panelConfig is one running panel: serve and demo differ only in where
// these come from.
type panelConfig struct {
	config
	Secret  []byte
	Runtime host.Runtime
	Mounter host.Mounter
	// StartDelay (demo's hidden --fault-start-delay) holds every start job
	// before it touches the instance, so tests can kill the panel mid-job.
	StartDelay time.Duration
	Logger     *slog.Logger
}

// services are the store's implementations of the domain interfaces.
type services struct {
	db         *sqlite.DB
	users      *sqlite.UserService
	overlays   *sqlite.OverlayService
	blueprints *sqlite.BlueprintService
	servers    *sqlite.ServerService
	jobs       *sqlite.JobService
}

func openServices(ctx context.Context, c config) (*services, error) {
	db, err := sqlite.Open(ctx, c.DatabaseURL)
	if err != nil {
		return nil, err
	}
	db.PortRangeStart, db.PortRangeEnd = c.PortStart, c.PortEnd
	return &services{db: db, users: sqlite.NewUserService(db), overlays: sqlite.NewOverlayService(db),
		blueprints: sqlite.NewBlueprintService(db), servers: sqlite.NewServerService(db), jobs: sqlite.NewJobService(db)}, nil
}

// runPanel serves the panel until ctx is done, then shuts down in order:
// HTTP, jobs, database.
func runPanel(ctx context.Context, pc panelConfig, stdout io.Writer) error {
	svc, err := openServices(ctx, pc.config)
	if err != nil {
		return err
	}
	defer svc.db.Close()
	h := &host.Host{Root: pc.Root, Runtime: pc.Runtime, Mounter: pc.Mounter, Logger: pc.Logger}
	var lc jobs.Lifecycle = h
	if pc.StartDelay > 0 {
		lc = delayedStart{Lifecycle: h, delay: pc.StartDelay}
	}
	pool := jobs.New(jobs.Config{Workers: pc.Workers, Jobs: svc.jobs, Logger: pc.Logger,
		Handlers: (&jobs.ServerJobs{Servers: svc.servers, Blueprints: svc.blueprints, Lifecycle: lc, Root: pc.Root, HostSteps: host.WithStepFunc}).Handlers()})
	if err := pool.Start(ctx); err != nil {
		return err
	}
	defer pool.Close()
	handler, err := web.NewServer(web.Config{
		Users: svc.users, Overlays: svc.overlays, Blueprints: svc.blueprints, Servers: svc.servers,
		Jobs: svc.jobs, Queue: pool, Notifier: pool, Lifecycle: h, Root: pc.Root,
		SecretKey: pc.Secret, CookieSecure: pc.CookieSecure, TrustForwardedFor: pc.TrustProxy, Logger: pc.Logger,
	})
	if err != nil {
		return err
	}
	return serveHTTP(ctx, pc.Listen, handler, stdout, pc.Logger)
}

func serveHTTP(ctx context.Context, addr string, h http.Handler, stdout io.Writer, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	// Tests listen on port 0 and read the real address from this line.
	fmt.Fprintf(stdout, "left4me: listening on http://%s\n", ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	// Event streams never end by themselves: give requests a moment, then cut.
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// delayedStart is fault injection for crash tests: start jobs wait before
// touching the instance, so a kill lands in a running job.
type delayedStart struct {
	jobs.Lifecycle
	delay time.Duration
}

func (d delayedStart) Start(ctx context.Context, spec left4me.InstanceSpec) error {
	select {
	case <-time.After(d.delay):
	case <-ctx.Done():
		return ctx.Err()
	}
	return d.Lifecycle.Start(ctx, spec)
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
