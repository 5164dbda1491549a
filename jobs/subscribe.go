package jobs

import (
	"context"
	"sync"

	"github.com/left4me/left4me"
)

// subscriberBuffer is how many updates a slow subscriber may lag behind;
// beyond it the oldest pending update is dropped (the newest state wins).
const subscriberBuffer = 16

type subscriber struct {
	ch   chan *left4me.Job
	once sync.Once
}

func (s *subscriber) close() { s.once.Do(func() { close(s.ch) }) }

// send delivers j without blocking, dropping the oldest pending update when
// the subscriber lags. Callers hold Pool.mu, the only sender.
func (s *subscriber) send(j *left4me.Job) {
	for {
		select {
		case s.ch <- j:
			return
		default:
		}
		select {
		case <-s.ch:
		default:
		}
	}
}

// Subscribe returns a channel of a job's states: first its current state,
// then every saved change; the channel is closed after the job's final state
// (or at once when it is already done, missing, or the pool closes). Call
// cancel when no longer interested; it is safe to call more than once.
// A missing job yields a closed channel with no value.
func (p *Pool) Subscribe(jobID int64) (<-chan *left4me.Job, func()) {
	s := &subscriber{ch: make(chan *left4me.Job, subscriberBuffer)}
	// Hold mu while reading the stored state: publish (which runs after
	// each save) waits, so the first value is never newer than the next.
	p.mu.Lock()
	defer p.mu.Unlock()
	job, err := p.cfg.Jobs.FindJobByID(context.Background(), jobID)
	if err != nil {
		if left4me.ErrorCode(err) != left4me.ENOTFOUND {
			p.log.Error("subscribe to job", "job", jobID, "err", err)
		}
		s.close()
		return s.ch, func() {}
	}
	s.send(job)
	if job.Done() {
		s.close()
		return s.ch, func() {}
	}
	if p.subs[jobID] == nil {
		p.subs[jobID] = map[*subscriber]bool{}
	}
	p.subs[jobID][s] = true
	return s.ch, func() { p.unsubscribe(jobID, s) }
}

func (p *Pool) unsubscribe(jobID int64, s *subscriber) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if set := p.subs[jobID]; set[s] {
		delete(set, s)
		if len(set) == 0 {
			delete(p.subs, jobID)
		}
	}
	s.close()
}

// publish sends j to its subscribers and closes them when j is done.
func (p *Pool) publish(j *left4me.Job) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for s := range p.subs[j.ID] {
		s.send(copyJob(j))
		if j.Done() {
			s.close()
		}
	}
	if j.Done() {
		delete(p.subs, j.ID)
	}
}
