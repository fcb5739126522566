-- One row per key per poll, failures included. Only headline figures: the charts
-- read these, and a row stays small (10,000 keys polled every 15 minutes is about a
-- million rows a day before retention).
CREATE TABLE snapshots (
    id            INTEGER PRIMARY KEY,
    -- Deleting a key deletes its history; disabling keeps it.
    key_id        INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    polled_at     TEXT NOT NULL,
    duration_ms   INTEGER NOT NULL CHECK (duration_ms >= 0),
    -- Requests sent: 0 when skipped (paused by the vendor), more after retries.
    attempts      INTEGER NOT NULL CHECK (attempts >= 0),
    outcome       TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'skipped')),
    scope         TEXT CHECK (scope IN ('key', 'account')),
    used          INTEGER CHECK (used >= 0),
    usage_limit   INTEGER CHECK (usage_limit >= 0),
    remaining     INTEGER,
    period_start  TEXT,
    resets_on     TEXT,
    as_of         TEXT,
    error_kind    TEXT,
    error_message TEXT,
    CHECK ((outcome = 'ok') = (error_kind IS NULL)),
    CHECK (outcome = 'ok' OR (used IS NULL AND usage_limit IS NULL AND remaining IS NULL))
) STRICT;
CREATE INDEX snapshots_by_key_time ON snapshots (key_id, polled_at);
CREATE INDEX snapshots_by_time ON snapshots (polled_at);

-- The newest poll of each key in full: what the dashboard shows at a glance, the
-- last error in words, and the vendor's reply (secrets removed) for support.
CREATE TABLE key_latest (
    key_id          INTEGER PRIMARY KEY REFERENCES api_keys (id) ON DELETE CASCADE,
    polled_at       TEXT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'skipped')),
    -- The last good reading survives later failures: "last known usage" stays visible.
    reading         TEXT CHECK (reading IS NULL OR json_valid(reading)),
    reading_at      TEXT,
    raw_reply       TEXT CHECK (raw_reply IS NULL OR json_valid(raw_reply)),
    error_kind      TEXT,
    error_message   TEXT,
    -- Consecutive failed polls; 0 after a success.
    failures        INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0)
) STRICT;
