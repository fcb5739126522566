-- Personal API tokens for /api/v1 and the CSV export: created on the profile page,
-- shown once; only their SHA-256 is stored. Revoked tokens stay for the record.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash    BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    -- The first characters, to tell tokens apart in the list (`qb_AbCd…`).
    prefix        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
) STRICT;
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
