// Package web is left4me's HTTP panel: server-rendered pages for people and a
// JSON API under /api/v1 for scripts, both backed by the same service calls.
//
// Auth groups: public (login, health, static assets), session (pages, cookie
// auth with CSRF tokens), admin (session plus the admin flag) and bearer
// (/api/v1, API tokens, no cookies and therefore no CSRF).
package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"github.com/left4me/left4me"
)

// JobQueue enqueues jobs for the worker pool. Enqueue returns the queued job,
// the existing job for an idempotent type, or left4me.ErrJobActive.
type JobQueue interface {
	Enqueue(ctx context.Context, j *left4me.Job) (*left4me.Job, error)
}

// JobNotifier is optional (jobs.Pool satisfies it): it lets the job event
// stream forward each saved change at once instead of polling the store.
// Subscribe returns a channel of the job's states, closed after the final
// one, and a function that ends the subscription.
type JobNotifier interface {
	Subscribe(jobID int64) (<-chan *left4me.Job, func())
}

// Lifecycle reads what the runtime says about an instance (host.Host
// satisfies it). Status is the server state shown everywhere; Logs writes
// the last lines of the server's output to w.
type Lifecycle interface {
	Status(ctx context.Context, name string) (left4me.UnitStatus, error)
	Logs(ctx context.Context, name string, lines int, follow bool, w io.Writer) error
}

// Config is everything the panel needs; the zero values of the optional
// fields are usable defaults.
type Config struct {
	Users      left4me.UserService
	Overlays   left4me.OverlayService
	Blueprints left4me.BlueprintService
	Servers    left4me.ServerService
	Jobs       left4me.JobService
	Queue      JobQueue
	Notifier   JobNotifier // optional
	Lifecycle  Lifecycle

	// Root is LEFT4ME_ROOT; overlay files live under Root/overlays/<id>.
	Root string
	// SecretKey signs session cookies and CSRF tokens (at least 32 bytes).
	SecretKey []byte
	// CookieSecure marks the session cookie Secure; false only for local http.
	CookieSecure bool
	// SessionTTL is how long a login lasts (default 7 days).
	SessionTTL time.Duration
	// LoginLimit is how many failed logins per account and per address are
	// allowed within LoginWindow before further attempts are refused
	// (defaults 10 and 15 minutes).
	LoginLimit  int
	LoginWindow time.Duration
	// TrustForwardedFor takes the client address for login throttling from
	// the last X-Forwarded-For entry, as set by a reverse proxy in front of
	// the panel. Leave it off when clients connect directly: they could
	// forge the header.
	TrustForwardedFor bool
	// MaxUploadBytes bounds one overlay file upload (default 1 GiB).
	MaxUploadBytes int64
	// PasswordParams are the argon2id parameters for new hashes (default
	// DefaultPasswordParams).
	PasswordParams *PasswordParams

	Logger *slog.Logger
	Now    func() time.Time
}

// Server is the panel's http.Handler.
type Server struct {
	cfg       Config
	log       *slog.Logger
	now       func() time.Time
	handler   http.Handler
	pages     *pages
	throttle  *throttle
	dummyHash string
}

// NewServer validates cfg and builds the route table.
func NewServer(cfg Config) (*Server, error) {
	if len(cfg.SecretKey) < 32 {
		return nil, errors.New("web: secret key must be at least 32 bytes")
	}
	if cfg.Users == nil || cfg.Overlays == nil || cfg.Blueprints == nil ||
		cfg.Servers == nil || cfg.Jobs == nil || cfg.Queue == nil || cfg.Lifecycle == nil {
		return nil, errors.New("web: every service, the job queue and the lifecycle are required")
	}
	setDefaults(&cfg)
	pg, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now, pages: pg}
	s.throttle = newThrottle(cfg.LoginLimit, cfg.LoginWindow, cfg.Now)
	// The dummy hash uses the same parameters as real ones, so checking a
	// password against it costs what a real check costs.
	if s.dummyHash, err = HashPassword("left4me-dummy-password", *cfg.PasswordParams); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

func setDefaults(cfg *Config) {
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 7 * 24 * time.Hour
	}
	if cfg.LoginLimit == 0 {
		cfg.LoginLimit = 10
	}
	if cfg.LoginWindow == 0 {
		cfg.LoginWindow = 15 * time.Minute
	}
	if cfg.MaxUploadBytes == 0 {
		cfg.MaxUploadBytes = 1 << 30
	}
	if cfg.PasswordParams == nil {
		p := DefaultPasswordParams
		cfg.PasswordParams = &p
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// OverlayDir is where the files of overlay id live; the host library gets
// the same path through left4me.NewInstanceSpec.
func OverlayDir(root string, id int64) string {
	return filepath.Join(root, "overlays", strconv.FormatInt(id, 10))
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	public := func(p string, h http.HandlerFunc) { mux.Handle(p, h) }
	session := func(p string, h http.HandlerFunc) { mux.Handle(p, s.requireSession(h, false)) }
	admin := func(p string, h http.HandlerFunc) { mux.Handle(p, s.requireSession(h, true)) }
	bearer := func(p string, h http.HandlerFunc) { mux.Handle(p, s.requireToken(h)) }

	public("GET /health", s.handleHealth)
	public("GET /static/", s.handleStatic)
	public("GET /login", s.handleLoginPage)
	public("POST /login", s.handleLogin)
	public("GET /{$}", s.handleRoot)

	session("POST /logout", s.handleLogout)
	session("GET /servers", s.handleServerList)
	session("POST /servers", s.handleServerCreate)
	session("GET /servers/{name}", s.handleServerView)
	session("POST /servers/{name}/{action}", s.handleServerAction)
	session("GET /servers/{name}/logs/events", s.handleServerLogEvents)
	session("GET /blueprints", s.handleBlueprintList)
	session("POST /blueprints", s.handleBlueprintCreate)
	session("GET /blueprints/{id}", s.handleBlueprintView)
	session("POST /blueprints/{id}", s.handleBlueprintUpdate)
	session("POST /blueprints/{id}/delete", s.handleBlueprintDelete)
	session("GET /overlays", s.handleOverlayList)
	session("POST /overlays", s.handleOverlayCreate)
	session("GET /overlays/{id}", s.handleOverlayView)
	session("POST /overlays/{id}/rename", s.handleOverlayRename)
	session("POST /overlays/{id}/delete", s.handleOverlayDelete)
	session("GET /overlays/{id}/edit", s.handleFileEditPage)
	session("POST /overlays/{id}/edit", s.handleFileSave)
	session("GET /overlays/{id}/download", s.handleFileDownload)
	session("POST /overlays/{id}/upload", s.handleFileUpload)
	session("POST /overlays/{id}/mkdir", s.handleFileMkdir)
	session("POST /overlays/{id}/remove", s.handleFileDelete)
	session("GET /jobs", s.handleJobList)
	session("GET /jobs/{id}", s.handleJobView)
	session("GET /jobs/{id}/events", s.handleJobEvents)
	session("GET /account", s.handleAccount)
	session("POST /account/password", s.handlePasswordChange)
	session("POST /account/tokens", s.handleTokenCreate)
	admin("GET /admin/users", s.handleUserList)
	admin("POST /admin/users", s.handleUserCreate)
	admin("POST /admin/users/{id}/admin", s.handleUserSetAdmin)
	admin("POST /admin/users/{id}/delete", s.handleUserDelete)

	bearer("GET /api/v1/servers", s.handleServerList)
	bearer("POST /api/v1/servers", s.handleServerCreate)
	bearer("GET /api/v1/servers/{name}", s.handleServerView)
	bearer("PATCH /api/v1/servers/{name}", s.handleServerUpdate)
	bearer("DELETE /api/v1/servers/{name}", s.handleServerDelete)
	bearer("POST /api/v1/servers/{name}/{action}", s.handleServerAction)
	bearer("GET /api/v1/servers/{name}/logs", s.handleServerLogs)
	bearer("GET /api/v1/servers/{name}/logs/events", s.handleServerLogEvents)
	bearer("GET /api/v1/blueprints", s.handleBlueprintList)
	bearer("POST /api/v1/blueprints", s.handleBlueprintCreate)
	bearer("GET /api/v1/blueprints/{id}", s.handleBlueprintView)
	bearer("PUT /api/v1/blueprints/{id}", s.handleBlueprintUpdate)
	bearer("DELETE /api/v1/blueprints/{id}", s.handleBlueprintDelete)
	bearer("GET /api/v1/overlays", s.handleOverlayList)
	bearer("POST /api/v1/overlays", s.handleOverlayCreate)
	bearer("GET /api/v1/overlays/{id}", s.handleOverlayView)
	bearer("PATCH /api/v1/overlays/{id}", s.handleOverlayRename)
	bearer("DELETE /api/v1/overlays/{id}", s.handleOverlayDelete)
	bearer("GET /api/v1/overlays/{id}/files", s.handleFileList)
	bearer("POST /api/v1/overlays/{id}/files", s.handleFileUpload)
	bearer("GET /api/v1/overlays/{id}/files/{path...}", s.handleFileDownload)
	bearer("PUT /api/v1/overlays/{id}/files/{path...}", s.handleFilePut)
	bearer("DELETE /api/v1/overlays/{id}/files/{path...}", s.handleFileDelete)
	bearer("GET /api/v1/jobs", s.handleJobList)
	bearer("GET /api/v1/jobs/{id}", s.handleJobView)
	bearer("GET /api/v1/jobs/{id}/events", s.handleJobEvents)
	bearer("/api/", s.handleAPINotFound)

	// Browsers send Sec-Fetch-Site/Origin: cross-origin unsafe requests are
	// refused before any handler runs, on top of the per-session CSRF token.
	return http.NewCrossOriginProtection().Handler(s.recoverer(mux))
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"status":"ok"}` + "\n"))
}

func (s *Server) handleRoot(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.sessionUser(r); !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/servers", http.StatusSeeOther)
}

func (s *Server) handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, left4me.Errorf(left4me.ENOTFOUND, "no such API endpoint: %s %s", r.Method, r.URL.Path))
}

// recoverer turns a handler panic into a logged internal error.
func (s *Server) recoverer(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", v)
				s.writeError(w, r, errors.New("panic"))
			}
		}()
		h.ServeHTTP(w, r)
	})
}
