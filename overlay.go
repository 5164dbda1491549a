package left4me

import (
	"context"
	"time"
)

// Overlay kinds. An overlay's content lives under overlays/<id>/ and mirrors
// the game directory (left4dead2/addons, left4dead2/cfg, ...).
const (
	OverlayFiles    = "files"    // uploaded and edited files
	OverlayWorkshop = "workshop" // Workshop items and collections
	OverlayScript   = "script"   // built by a sandboxed script
)

// Overlay is one addon layer that blueprints combine.
type Overlay struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// OverlayService stores overlay records; their files are managed separately.
type OverlayService interface {
	// FindOverlayByID returns ENOTFOUND when missing.
	FindOverlayByID(ctx context.Context, id int64) (*Overlay, error)
	FindOverlays(ctx context.Context) ([]*Overlay, error)
	// CreateOverlay validates kind and name and sets o.ID and timestamps.
	CreateOverlay(ctx context.Context, o *Overlay) error
	// UpdateOverlay renames; ECONFLICT/EINVALID on a bad name.
	UpdateOverlay(ctx context.Context, id int64, name string) (*Overlay, error)
	// DeleteOverlay refuses with ECONFLICT while a blueprint uses the overlay.
	DeleteOverlay(ctx context.Context, id int64) error
}
