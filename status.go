package left4me

// UnitStatus is what a runtime reports about one instance, in systemd's terms
// so both runtimes read the same: ActiveState is active, inactive, failed,
// activating or deactivating; SubState refines it (running, dead,
// auto-restart, start-pre, ...).
type UnitStatus struct {
	ActiveState string `json:"active_state"`
	SubState    string `json:"sub_state"`
}

// Running reports whether the server process is up.
func (s UnitStatus) Running() bool {
	return s.ActiveState == "active" && s.SubState == "running"
}

// String is the short form shown to users, e.g. "active (running)".
func (s UnitStatus) String() string {
	if s.SubState == "" {
		return s.ActiveState
	}
	return s.ActiveState + " (" + s.SubState + ")"
}
