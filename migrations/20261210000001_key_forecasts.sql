-- Each key's run-out forecast, worked out after every poll from the current period's
-- snapshots (engine::forecast), so the overview reads one row per key instead of
-- every key's history.
CREATE TABLE key_forecasts (
    key_id       INTEGER PRIMARY KEY REFERENCES api_keys (id) ON DELETE CASCADE,
    computed_at  TEXT NOT NULL,
    -- domain::Forecast as JSON: {"kind":"runs_out_on","value":"2026-12-24T10:00:00Z"}.
    forecast     TEXT NOT NULL CHECK (json_valid(forecast))
) STRICT;
