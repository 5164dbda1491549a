package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/left4me/left4me"
	"github.com/left4me/left4me/sqlite"
	"github.com/left4me/left4me/web"
)

// cheapParams keep password hashing fast in tests that are not about it.
var cheapParams = web.PasswordParams{Memory: 64, Time: 1, Threads: 1}

// fakeLifecycle is a stateful stand-in for host.Host: tests set statuses
// and log lines per instance.
type fakeLifecycle struct {
	mu     sync.Mutex
	status map[string]left4me.UnitStatus
	logs   map[string][]string
}

func (f *fakeLifecycle) Status(ctx context.Context, name string) (left4me.UnitStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st, ok := f.status[name]; ok {
		return st, nil
	}
	return left4me.UnitStatus{ActiveState: "inactive", SubState: "dead"}, nil
}

func (f *fakeLifecycle) Logs(ctx context.Context, name string, lines int, follow bool, w io.Writer) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range f.logs[name] {
		fmt.Fprintln(w, l)
	}
	return nil
}

func (f *fakeLifecycle) set(name string, st left4me.UnitStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status[name] = st
}

// storeQueue enqueues straight into the store, which is what the worker
// pool's Enqueue does before waking a worker.
type storeQueue struct{ jobs left4me.JobService }

func (q storeQueue) Enqueue(ctx context.Context, j *left4me.Job) (*left4me.Job, error) {
	return q.jobs.CreateJob(ctx, j)
}

// env is one panel over a fresh in-memory database.
type env struct {
	t     testing.TB
	db    *sqlite.DB
	users *sqlite.UserService
	jobs  *sqlite.JobService
	life  *fakeLifecycle
	srv   *httptest.Server
	root  string
	clock *clock
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newEnv(t testing.TB, tweak func(*web.Config)) *env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.PortRangeStart, db.PortRangeEnd = 27015, 27020
	e := &env{t: t, db: db, users: sqlite.NewUserService(db), jobs: sqlite.NewJobService(db),
		life:  &fakeLifecycle{status: map[string]left4me.UnitStatus{}, logs: map[string][]string{}},
		root:  t.TempDir(),
		clock: &clock{t: time.Now()}}
	cfg := web.Config{
		Users: e.users, Overlays: sqlite.NewOverlayService(db), Blueprints: sqlite.NewBlueprintService(db),
		Servers: sqlite.NewServerService(db), Jobs: e.jobs, Queue: storeQueue{e.jobs}, Lifecycle: e.life,
		Root: e.root, SecretKey: []byte("0123456789abcdef0123456789abcdef-test"),
		PasswordParams: &cheapParams, Now: e.clock.Now,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	h, err := web.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e
}

// addUser creates an account with the given password and returns it.
func (e *env) addUser(name, password string, admin bool, p web.PasswordParams) *left4me.User {
	e.t.Helper()
	hash, err := web.HashPassword(password, p)
	if err != nil {
		e.t.Fatal(err)
	}
	u := &left4me.User{Name: name, Admin: admin, PasswordHash: hash}
	if err := e.users.CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// token creates an API token for u and returns its secret.
func (e *env) token(u *left4me.User) string {
	e.t.Helper()
	secret, hash, err := web.NewToken()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.users.CreateToken(context.Background(), &left4me.Token{UserID: u.ID, Name: "test", Hash: hash}); err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// browser is a cookie-keeping client that does not follow redirects, so
// tests see each answer.
type browser struct {
	t testing.TB
	e *env
	c *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type response struct {
	*http.Response
	body string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp, string(body)}
}

func (b *browser) get(path string) response {
	req, _ := http.NewRequest("GET", b.e.srv.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) response {
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) login(name, password string) response {
	return b.post("/login", url.Values{"name": {name}, "password": {password}})
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf reads the CSRF token from a page, as a browser's form would carry it.
func (b *browser) csrf() string {
	b.t.Helper()
	r := b.get("/account")
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		b.t.Fatalf("no csrf token on /account (status %d)", r.StatusCode)
	}
	return m[1]
}

// api calls the JSON API with a bearer token and decodes the answer into out.
func (e *env) api(token, method, path string, body any, out any) int {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

// apiErr is the JSON error body.
type apiErr struct {
	Error struct{ Code, Message string } `json:"error"`
}

func (e *env) mustUser(name string) *left4me.User {
	e.t.Helper()
	u, err := e.users.FindUserByName(context.Background(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func itoa(n int64) string { return fmt.Sprint(n) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
