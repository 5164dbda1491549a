package left4me

// JobWorkshopRefresh is the daily Workshop refresh. It is idempotent: a
// second enqueue while one is queued or running returns the existing job.
const JobWorkshopRefresh = "workshop.refresh"

// IsLifecycleJob reports whether jobs of this type act on one server (named by
// the job's Target), so at most one of them may be queued or running per server.
func IsLifecycleJob(typ string) bool {
	switch typ {
	case JobServerStart, JobServerStop, JobServerRestart, JobServerReset, JobServerDelete:
		return true
	}
	return false
}

// IsIdempotentJob reports whether enqueueing a job of this type while one with
// the same type and target is queued or running should return that job instead.
func IsIdempotentJob(typ string) bool {
	return typ == JobWorkshopRefresh
}

// ValidateArgs checks extra srcds arguments with the same rule as
// InstanceSpec.Validate, so a blueprint is refused when it is saved rather
// than when a server of it starts.
func ValidateArgs(args []string) error {
	for i, a := range args {
		if !validArg.MatchString(a) {
			return Errorf(EINVALID, "argument %d (%q) is not a plain argument: use letters, digits and _+-.:/,=@# only, no spaces or quotes, at most 256 characters", i+1, a)
		}
	}
	return nil
}
