-- Timestamps are TEXT in UTC, "2006-01-02T15:04:05.000000000Z", so they sort.

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,
	admin         INTEGER NOT NULL DEFAULT 0,
	password_hash TEXT NOT NULL,
	created_at    TEXT NOT NULL
);

CREATE TABLE tokens (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	hash         TEXT NOT NULL UNIQUE,
	created_at   TEXT NOT NULL,
	last_used_at TEXT
);
CREATE INDEX tokens_user_id ON tokens (user_id);

CREATE TABLE overlays (
	id         INTEGER PRIMARY KEY,
	kind       TEXT NOT NULL,
	name       TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

CREATE TABLE blueprints (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	config     TEXT NOT NULL DEFAULT '',
	args       TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- position 0 is the uppermost overlay, as in InstanceSpec.Overlays.
CREATE TABLE blueprint_overlays (
	blueprint_id      INTEGER NOT NULL REFERENCES blueprints (id) ON DELETE CASCADE,
	overlay_id        INTEGER NOT NULL REFERENCES overlays (id) ON DELETE RESTRICT,
	position          INTEGER NOT NULL,
	expose_server_cfg INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (blueprint_id, position),
	UNIQUE (blueprint_id, overlay_id)
);
CREATE INDEX blueprint_overlays_overlay_id ON blueprint_overlays (overlay_id);

CREATE TABLE servers (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,
	port          INTEGER NOT NULL UNIQUE,
	blueprint_id  INTEGER NOT NULL REFERENCES blueprints (id) ON DELETE RESTRICT,
	desired_state TEXT NOT NULL,
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL
);
CREATE INDEX servers_blueprint_id ON servers (blueprint_id);

CREATE TABLE jobs (
	id          INTEGER PRIMARY KEY,
	type        TEXT NOT NULL,
	target      TEXT NOT NULL DEFAULT '',
	state       TEXT NOT NULL,
	error       TEXT NOT NULL DEFAULT '',
	steps       TEXT NOT NULL DEFAULT '[]', -- JSON array of JobStep
	log         TEXT NOT NULL DEFAULT '',
	created_at  TEXT NOT NULL,
	started_at  TEXT,
	finished_at TEXT
);
CREATE INDEX jobs_state ON jobs (state, id);
CREATE INDEX jobs_target ON jobs (target, id);
