-- Hourly and daily summaries of `snapshots` (UTC buckets), so a chart over any range
-- reads a bounded number of rows and raw snapshots can be deleted after a few days.
-- Hourly rows are built from raw snapshots, daily rows from hourly ones; both are
-- recomputed whole whenever a snapshot lands in their bucket, so re-running gives the
-- same rows.
CREATE TABLE snapshot_rollups (
    key_id            INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    grain             TEXT NOT NULL CHECK (grain IN ('hour', 'day')),
    -- The bucket's first instant, in the one timestamp format (`2026-12-01T08:00:00.000Z`).
    bucket_start      TEXT NOT NULL,
    polls             INTEGER NOT NULL CHECK (polls >= 0),
    ok_count          INTEGER NOT NULL CHECK (ok_count >= 0),
    error_count       INTEGER NOT NULL CHECK (error_count >= 0),
    skipped_count     INTEGER NOT NULL CHECK (skipped_count >= 0),
    used_min          INTEGER,
    used_max          INTEGER,
    -- Figures of the newest good reading in the bucket.
    used_last         INTEGER,
    remaining_min     INTEGER,
    remaining_max     INTEGER,
    remaining_last    INTEGER,
    usage_limit_last  INTEGER,
    period_start_last TEXT,
    last_ok_at        TEXT,
    PRIMARY KEY (key_id, grain, bucket_start)
) STRICT, WITHOUT ROWID;
-- Retention deletes by age across all keys.
CREATE INDEX snapshot_rollups_by_time ON snapshot_rollups (grain, bucket_start);

-- How far the rollups have read `snapshots` (ids only grow: retention never deletes
-- the newest row, so SQLite never reuses an id).
CREATE TABLE rollup_progress (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    last_snapshot_id  INTEGER NOT NULL CHECK (last_snapshot_id >= 0)
) STRICT;
INSERT INTO rollup_progress (id, last_snapshot_id) VALUES (1, 0);
