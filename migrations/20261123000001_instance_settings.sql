-- Instance-wide settings (team time zone, master key check value, ...): one row per name.
CREATE TABLE instance_settings (
    name        TEXT PRIMARY KEY NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
