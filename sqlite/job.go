package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/left4me/left4me"
)

var _ left4me.JobService = (*JobService)(nil)

// JobService implements left4me.JobService. Use jobs.Pool.Enqueue rather than
// CreateJob directly, so a worker is woken at once.
type JobService struct {
	db *DB
}

// NewJobService returns the job store of db.
func NewJobService(db *DB) *JobService {
	return &JobService{db: db}
}

// FindJobByID returns ENOTFOUND when missing.
func (s *JobService) FindJobByID(ctx context.Context, id int64) (*left4me.Job, error) {
	return readTx(ctx, s.db, func(tx *dbTx) (*left4me.Job, error) {
		return findJobByID(ctx, tx, id)
	})
}

// FindJobs returns the jobs matching filter, newest first.
func (s *JobService) FindJobs(ctx context.Context, filter left4me.JobFilter) ([]*left4me.Job, error) {
	return readTx(ctx, s.db, func(tx *dbTx) ([]*left4me.Job, error) {
		where, args := []string{"1 = 1"}, []any{}
		if filter.Target != "" {
			where, args = append(where, "target = ?"), append(args, filter.Target)
		}
		if filter.State != "" {
			where, args = append(where, "state = ?"), append(args, filter.State)
		}
		q := strings.Join(where, " AND ") + " ORDER BY id DESC"
		if filter.Limit > 0 {
			q, args = q+" LIMIT ?", append(args, filter.Limit)
		}
		return findJobs(ctx, tx, q, args...)
	})
}

// CreateJob queues a copy of j (Type required; Target required for lifecycle
// jobs) and returns it with ID, State and CreatedAt set. Atomically, in the
// same transaction: for a lifecycle job (left4me.IsLifecycleJob) it returns
// an error wrapping left4me.ErrJobActive when a lifecycle job of the same
// target is queued or running; for an idempotent type
// (left4me.IsIdempotentJob) it returns the queued or running job of the same
// type and target instead of creating one.
func (s *JobService) CreateJob(ctx context.Context, j *left4me.Job) (*left4me.Job, error) {
	var out *left4me.Job
	err := writeTx(ctx, s.db, func(tx *dbTx) (err error) {
		out, err = createJob(ctx, tx, j)
		return err
	})
	return out, err
}

// ClaimJob marks the oldest queued job running (setting StartedAt) and
// returns it, or nil when none is queued. Two workers never claim the same job.
func (s *JobService) ClaimJob(ctx context.Context) (*left4me.Job, error) {
	var out *left4me.Job
	err := writeTx(ctx, s.db, func(tx *dbTx) error {
		jobs, err := findJobs(ctx, tx, "state = ? ORDER BY id LIMIT 1", left4me.JobQueued)
		if err != nil || len(jobs) == 0 {
			return err
		}
		j := jobs[0]
		now := tx.now
		j.State, j.StartedAt = left4me.JobRunning, &now
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET state = ?, started_at = ? WHERE id = ?`, j.State, formatTime(tx.now), j.ID); err != nil {
			return fmt.Errorf("claim job %d: %w", j.ID, err)
		}
		out = j
		return nil
	})
	return out, err
}

// UpdateJob saves state, error, steps, log and timestamps of j; FinishedAt is
// set to now when the state is final and it is unset. ENOTFOUND when missing.
func (s *JobService) UpdateJob(ctx context.Context, j *left4me.Job) error {
	return writeTx(ctx, s.db, func(tx *dbTx) error { return updateJob(ctx, tx, j) })
}

// FailRunningJobs marks every running job failed with reason: its running
// steps fail and the reason is appended to its log. It returns how many jobs
// it failed. Called at start, when any job still running was interrupted.
func (s *JobService) FailRunningJobs(ctx context.Context, reason string) (int, error) {
	var n int
	err := writeTx(ctx, s.db, func(tx *dbTx) error {
		jobs, err := findJobs(ctx, tx, "state = ? ORDER BY id", left4me.JobRunning)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			failJob(j, reason)
			if err := updateJob(ctx, tx, j); err != nil {
				return err
			}
		}
		n = len(jobs)
		return nil
	})
	return n, err
}

// failJob marks j failed with a safe reason in memory: running steps fail
// and the reason ends the log. The caller saves it.
func failJob(j *left4me.Job, reason string) {
	j.State, j.Error = left4me.JobFailed, reason
	for i := range j.Steps {
		if j.Steps[i].State == left4me.JobRunning {
			j.Steps[i].State = left4me.JobFailed
		}
	}
	if j.Log != "" && !strings.HasSuffix(j.Log, "\n") {
		j.Log += "\n"
	}
	j.Log += "failed: " + reason + "\n"
}

func createJob(ctx context.Context, tx *dbTx, in *left4me.Job) (*left4me.Job, error) {
	if in.Type == "" {
		return nil, left4me.Errorf(left4me.EINVALID, "job type must not be empty")
	}
	lifecycle := left4me.IsLifecycleJob(in.Type)
	if lifecycle && in.Target == "" {
		return nil, left4me.Errorf(left4me.EINVALID, "a %s job needs a target server", in.Type)
	}
	if lifecycle {
		if err := left4me.ValidateName(in.Target); err != nil {
			return nil, err
		}
	}
	active, err := findJobs(ctx, tx, "target = ? AND state IN (?, ?) ORDER BY id", in.Target, left4me.JobQueued, left4me.JobRunning)
	if err != nil {
		return nil, err
	}
	for _, a := range active {
		if left4me.IsIdempotentJob(in.Type) && a.Type == in.Type {
			return a, nil
		}
		if lifecycle && left4me.IsLifecycleJob(a.Type) {
			return nil, fmt.Errorf("server %q has %s job %d %s: %w", in.Target, a.Type, a.ID, a.State, left4me.ErrJobActive)
		}
	}
	j := &left4me.Job{Type: in.Type, Target: in.Target, State: left4me.JobQueued, Steps: []left4me.JobStep{}, CreatedAt: tx.now}
	res, err := tx.ExecContext(ctx, `INSERT INTO jobs (type, target, state, created_at) VALUES (?, ?, ?, ?)`,
		j.Type, j.Target, j.State, formatTime(tx.now))
	if err != nil {
		return nil, fmt.Errorf("insert job: %w", err)
	}
	j.ID, _ = res.LastInsertId()
	return j, nil
}

func updateJob(ctx context.Context, tx *dbTx, j *left4me.Job) error {
	if j.Done() && j.FinishedAt == nil {
		now := tx.now
		j.FinishedAt = &now
	}
	steps, err := json.Marshal(nonNilSteps(j.Steps))
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE jobs SET state = ?, error = ?, steps = ?, log = ?, started_at = ?, finished_at = ? WHERE id = ?`,
		j.State, j.Error, string(steps), j.Log, formatNullTime(j.StartedAt), formatNullTime(j.FinishedAt), j.ID)
	if err != nil {
		return fmt.Errorf("update job %d: %w", j.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return left4me.Errorf(left4me.ENOTFOUND, "job %d not found", j.ID)
	}
	return nil
}

func findJobByID(ctx context.Context, tx *dbTx, id int64) (*left4me.Job, error) {
	jobs, err := findJobs(ctx, tx, "id = ?", id)
	if err != nil {
		return nil, err
	} else if len(jobs) == 0 {
		return nil, left4me.Errorf(left4me.ENOTFOUND, "job %d not found", id)
	}
	return jobs[0], nil
}

const jobColumns = `id, type, target, state, error, steps, log, created_at, started_at, finished_at`

func findJobs(ctx context.Context, tx *dbTx, where string, args ...any) ([]*left4me.Job, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query jobs: %w", err)
	}
	defer rows.Close()
	var jobs []*left4me.Job
	for rows.Next() {
		var j left4me.Job
		var steps string
		if err := rows.Scan(&j.ID, &j.Type, &j.Target, &j.State, &j.Error, &steps, &j.Log,
			scanTime{&j.CreatedAt}, scanNullTime{&j.StartedAt}, scanNullTime{&j.FinishedAt}); err != nil {
			return nil, fmt.Errorf("scan job: %w", err)
		}
		if err := json.Unmarshal([]byte(steps), &j.Steps); err != nil {
			return nil, fmt.Errorf("job %d steps: %w", j.ID, err)
		}
		jobs = append(jobs, &j)
	}
	return jobs, rows.Err()
}

func nonNilSteps(s []left4me.JobStep) []left4me.JobStep {
	if s == nil {
		return []left4me.JobStep{}
	}
	return s
}
