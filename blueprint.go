package left4me

import (
	"context"
	"fmt"
	"time"
)

// Blueprint combines overlays and a server.cfg into something servers run.
type Blueprint struct {
	ID     int64    `json:"id"`
	Name   string   `json:"name"`
	Config string   `json:"config"` // the blueprint's own server.cfg lines
	Args   []string `json:"args"`   // extra srcds arguments
	// Overlays are uppermost first, like InstanceSpec.Overlays.
	Overlays  []BlueprintOverlay `json:"overlays"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
}

// BlueprintOverlay is one overlay of a blueprint. ExposeServerCfg opts the
// overlay's own left4dead2/cfg/server.cfg in.
type BlueprintOverlay struct {
	OverlayID       int64 `json:"overlay_id"`
	ExposeServerCfg bool  `json:"expose_server_cfg"`
}

// OverlayAlias is the alias (and cfg name suffix) of an exposed overlay.
func OverlayAlias(overlayID int64) string {
	return fmt.Sprintf("overlay_%d", overlayID)
}

// ExecLines returns the lines prepended to the blueprint config: one
// `exec server_overlay_<id>` per exposed overlay, lowest overlay first, so
// higher overlays override lower ones.
func (b *Blueprint) ExecLines() []string {
	var lines []string
	for i := len(b.Overlays) - 1; i >= 0; i-- {
		if o := b.Overlays[i]; o.ExposeServerCfg {
			lines = append(lines, "exec server_"+OverlayAlias(o.OverlayID))
		}
	}
	return lines
}

// ServerConfig is the full server.cfg a server of this blueprint runs.
func (b *Blueprint) ServerConfig() string {
	cfg := ""
	for _, l := range b.ExecLines() {
		cfg += l + "\n"
	}
	return cfg + b.Config
}

// BlueprintService stores blueprints with their ordered overlay lists.
type BlueprintService interface {
	// FindBlueprintByID returns ENOTFOUND when missing.
	FindBlueprintByID(ctx context.Context, id int64) (*Blueprint, error)
	FindBlueprints(ctx context.Context) ([]*Blueprint, error)
	// CreateBlueprint validates (name, args, overlay ids exist, no duplicates)
	// and sets b.ID and timestamps.
	CreateBlueprint(ctx context.Context, b *Blueprint) error
	// UpdateBlueprint replaces name, config, args and the overlay list.
	UpdateBlueprint(ctx context.Context, b *Blueprint) error
	// DeleteBlueprint refuses with ECONFLICT while a server uses it.
	DeleteBlueprint(ctx context.Context, id int64) error
}
