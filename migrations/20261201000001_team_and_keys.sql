-- Users, sessions, vendor API keys (secrets encrypted), audit log, login attempts.
-- Timestamps are UTC text in one fixed format (`2026-12-01T08:00:00.000Z`), written
-- by the application, so text comparison orders them correctly.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    -- Stored lower-cased by the application; NOCASE guards against any other writer.
    email         TEXT NOT NULL COLLATE NOCASE UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    -- argon2id PHC string.
    password_hash TEXT NOT NULL,
    disabled_at   TEXT,
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE sessions (
    -- SHA-256 of the token the client holds; the token itself is never stored.
    token_hash    BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    -- Absolute end of the session; the idle limit is judged from last_seen_at.
    expires_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_keys (
    id                INTEGER PRIMARY KEY,
    vendor            TEXT NOT NULL
                      CHECK (vendor IN ('ocr-space', 'structocr', 'platerecognizer', 'platerecognizer-sdk')),
    label             TEXT NOT NULL COLLATE NOCASE,
    owner_tag         TEXT,
    base_url          TEXT,
    monthly_limit     INTEGER CHECK (monthly_limit > 0),
    enabled           INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    -- AES-256-GCM of the secret; associated data binds id and key_version, so a
    -- ciphertext copied to another row (or an older version) does not open.
    -- All NULL for a key without secret (the on-premise SDK).
    secret_ciphertext BLOB,
    secret_nonce      BLOB CHECK (secret_nonce IS NULL OR length(secret_nonce) = 12),
    -- Fingerprint of the master key that sealed this row; rotation walks these.
    master_key_id     TEXT,
    -- Bumped whenever the secret is replaced.
    key_version       INTEGER NOT NULL DEFAULT 1 CHECK (key_version >= 1),
    -- Last four characters of the secret at most (NULL for short secrets).
    secret_hint       TEXT CHECK (secret_hint IS NULL OR length(secret_hint) <= 4),
    -- StructOCR pools several keys under one account (later).
    account_ref       TEXT,
    created_by        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (vendor, label),
    CHECK ((secret_ciphertext IS NULL) = (secret_nonce IS NULL)
       AND (secret_ciphertext IS NULL) = (master_key_id IS NULL))
) STRICT;

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    at             TEXT NOT NULL,
    -- NULL for the command line and the system; no foreign key so that the
    -- history of a deleted user stays.
    actor_user_id  INTEGER,
    actor_kind     TEXT NOT NULL CHECK (actor_kind IN ('user', 'cli', 'system')),
    action         TEXT NOT NULL,
    subject_kind   TEXT NOT NULL CHECK (subject_kind IN ('key', 'user', 'instance')),
    subject_id     INTEGER,
    -- Never contains a secret.
    detail         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
) STRICT;
CREATE INDEX audit_log_by_time ON audit_log (at);

CREATE TABLE login_attempts (
    id       INTEGER PRIMARY KEY,
    email    TEXT NOT NULL COLLATE NOCASE,
    ip       TEXT NOT NULL,
    at       TEXT NOT NULL,
    success  INTEGER NOT NULL CHECK (success IN (0, 1))
) STRICT;
CREATE INDEX login_attempts_by_email ON login_attempts (email, at);
CREATE INDEX login_attempts_by_ip ON login_attempts (ip, at);
