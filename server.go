package left4me

import (
	"context"
	"time"
)

// Desired states of a server: what the panel was last asked to do.
const (
	DesiredRunning = "running"
	DesiredStopped = "stopped"
)

// Server is one game server: a name (the instance name), a port, a blueprint.
type Server struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Port         int       `json:"port"`
	BlueprintID  int64     `json:"blueprint_id"`
	DesiredState string    `json:"desired_state"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// ServerService stores servers.
type ServerService interface {
	// FindServerByName returns ENOTFOUND when missing.
	FindServerByName(ctx context.Context, name string) (*Server, error)
	FindServers(ctx context.Context) ([]*Server, error)
	// CreateServer validates the name, allocates a free port from the range
	// when s.Port is 0, and refuses a taken or out-of-range port (ECONFLICT,
	// EINVALID). It sets s.ID, s.Port and timestamps.
	CreateServer(ctx context.Context, s *Server) error
	// UpdateServer changes the blueprint, port or desired state.
	UpdateServer(ctx context.Context, s *Server) error
	// DeleteServer removes the row; ENOTFOUND when missing.
	DeleteServer(ctx context.Context, id int64) error
}

// NewInstanceSpec builds the host library's spec for a server from its
// blueprint; overlayDir maps an overlay id to its directory on disk.
func NewInstanceSpec(s *Server, b *Blueprint, overlayDir func(id int64) string) InstanceSpec {
	spec := InstanceSpec{
		Name:   s.Name,
		Port:   s.Port,
		Args:   append([]string(nil), b.Args...),
		Config: b.ServerConfig(),
	}
	for _, o := range b.Overlays {
		ref := OverlayRef{Path: overlayDir(o.OverlayID)}
		if o.ExposeServerCfg {
			ref.Alias = OverlayAlias(o.OverlayID)
		}
		spec.Overlays = append(spec.Overlays, ref)
	}
	return spec
}
