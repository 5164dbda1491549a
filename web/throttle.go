package web

import (
	"sync"
	"time"
)

// throttle counts failures per key in fixed windows, in memory: a restart
// forgets them, which is acceptable for slowing down online guessing.
type throttle struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	now    func() time.Time
	seen   map[string]*window
}

type window struct {
	start    time.Time
	failures int
}

func newThrottle(limit int, d time.Duration, now func() time.Time) *throttle {
	return &throttle{limit: limit, window: d, now: now, seen: map[string]*window{}}
}

// allow reports whether every key is below its failure limit.
func (t *throttle) allow(keys ...string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, k := range keys {
		if w := t.seen[k]; w != nil && now.Sub(w.start) < t.window && w.failures >= t.limit {
			return false
		}
	}
	return true
}

// fail records one failure for every key.
func (t *throttle) fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.seen) > 100_000 {
		t.prune(now)
	}
	for _, k := range keys {
		w := t.seen[k]
		if w == nil || now.Sub(w.start) >= t.window {
			w = &window{start: now}
			t.seen[k] = w
		}
		w.failures++
	}
}

func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.seen, key)
}

func (t *throttle) prune(now time.Time) {
	for k, w := range t.seen {
		if now.Sub(w.start) >= t.window {
			delete(t.seen, k)
		}
	}
}
