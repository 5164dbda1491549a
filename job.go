package left4me

import (
	"context"
	"time"
)

// Job states: queued → running → succeeded | failed | cancelled.
const (
	JobQueued    = "queued"
	JobRunning   = "running"
	JobSucceeded = "succeeded"
	JobFailed    = "failed"
	JobCancelled = "cancelled"
)

// Job types.
const (
	JobServerStart   = "server.start"
	JobServerStop    = "server.stop"
	JobServerRestart = "server.restart"
	JobServerReset   = "server.reset"
	JobServerDelete  = "server.delete"
)

// Job is a long operation recorded in the database and run by the worker pool.
type Job struct {
	ID         int64      `json:"id"`
	Type       string     `json:"type"`
	Target     string     `json:"target"` // e.g. the server name
	State      string     `json:"state"`
	Error      string     `json:"error,omitempty"` // why it failed, safe to show
	Steps      []JobStep  `json:"steps"`
	Log        string     `json:"log"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// JobStep is one named step of a job; Progress is 0..1 where known, -1 otherwise.
type JobStep struct {
	Name     string  `json:"name"`
	State    string  `json:"state"` // running, succeeded, failed
	Progress float64 `json:"progress"`
}

// Done reports whether the job has finished one way or another.
func (j *Job) Done() bool {
	return j.State == JobSucceeded || j.State == JobFailed || j.State == JobCancelled
}

// JobService stores jobs.
type JobService interface {
	// FindJobByID returns ENOTFOUND when missing.
	FindJobByID(ctx context.Context, id int64) (*Job, error)
	FindJobs(ctx context.Context, filter JobFilter) ([]*Job, error)
	// CreateJob queues j. For a server lifecycle job it returns ErrJobActive
	// when another lifecycle job of that server is queued or running; for an
	// idempotent type it returns the existing queued or running job instead.
	CreateJob(ctx context.Context, j *Job) (*Job, error)
	// ClaimJob marks the oldest queued job running and returns it, or nil.
	ClaimJob(ctx context.Context) (*Job, error)
	// UpdateJob saves steps, log and state of a claimed job.
	UpdateJob(ctx context.Context, j *Job) error
	// FailRunningJobs marks every running job failed with reason; it is called
	// at start, when any job still running was interrupted by a crash.
	FailRunningJobs(ctx context.Context, reason string) (int, error)
}

// JobFilter narrows FindJobs; zero values match everything.
type JobFilter struct {
	Target string
	State  string
	Limit  int
}
