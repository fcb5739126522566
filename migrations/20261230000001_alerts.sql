-- Alerts: rules, the state of each (subject, rule), the notification log and the
-- e-mail outbox. A subject is `key:<id>` or, for credit shared by several keys
-- (StructOCR's account pool), `account:<vendor>:<account>`.

-- Per-key rules (key_id set) and the team's default set (key_id NULL), which is
-- copied to every new key.
CREATE TABLE alert_rules (
    id          INTEGER PRIMARY KEY,
    key_id      INTEGER REFERENCES api_keys (id) ON DELETE CASCADE,
    -- domain::RuleKind as JSON, e.g. {"kind":"percent_used","warning":{"hundredths":8000},...}
    kind        TEXT NOT NULL CHECK (json_valid(kind)),
    -- domain::Recipients as JSON: {"users":[1],"emails":["ops@example.com"]}
    recipients  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(recipients)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX alert_rules_by_key ON alert_rules (key_id);

-- Where each (subject, rule) stands. `rule_sig` is the rule's signature (what it
-- checks), so the rules of several keys of one pool collapse into one alert.
CREATE TABLE alert_states (
    subject        TEXT NOT NULL,
    rule_sig       TEXT NOT NULL,
    -- Shown on the Alerts page.
    subject_label  TEXT NOT NULL,
    rule_text      TEXT NOT NULL,
    -- A key of the subject, for the link back (the pool links its first key).
    key_id         INTEGER,
    level          TEXT NOT NULL CHECK (level IN ('ok', 'warning', 'critical')),
    -- The usage period the level belongs to ('' when the credit never resets).
    period_id      TEXT NOT NULL,
    -- The figure in words, as of the last evaluation.
    summary        TEXT NOT NULL,
    since          TEXT NOT NULL,
    evaluated_at   TEXT NOT NULL,
    -- Last e-mail about this firing (for the repeat interval); NULL when ok.
    notified_at    TEXT,
    PRIMARY KEY (subject, rule_sig)
) STRICT;

-- One row per notification decided (fired, escalated, repeated, resolved). The
-- UNIQUE dedup key makes a second identical decision a no-op.
CREATE TABLE alert_notifications (
    id             INTEGER PRIMARY KEY,
    subject        TEXT NOT NULL,
    rule_sig       TEXT NOT NULL,
    subject_label  TEXT NOT NULL,
    rule_text      TEXT NOT NULL,
    key_id         INTEGER,
    event          TEXT NOT NULL CHECK (event IN ('fired', 'escalated', 'repeated', 'resolved')),
    level          TEXT NOT NULL CHECK (level IN ('ok', 'warning', 'critical')),
    period_id      TEXT NOT NULL,
    summary        TEXT NOT NULL,
    at             TEXT NOT NULL,
    dedup_key      TEXT NOT NULL UNIQUE
) STRICT;
CREATE INDEX alert_notifications_by_time ON alert_notifications (at);

-- Every e-mail is a row first, written in the same transaction as the decision;
-- the worker sends it. sending → sent; a crash between the two sends at most once
-- more.
CREATE TABLE email_outbox (
    id               INTEGER PRIMARY KEY,
    notification_id  INTEGER REFERENCES alert_notifications (id) ON DELETE CASCADE,
    -- 'alert' or 'test'.
    purpose          TEXT NOT NULL,
    to_addr          TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,
    body_html        TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT
) STRICT;
CREATE INDEX email_outbox_due ON email_outbox (status, next_attempt_at);
CREATE INDEX email_outbox_by_notification ON email_outbox (notification_id);

-- The default set: warn at 80 % used, critical at 95 %; forecast before the reset;
-- a key that starts failing. Recipients: every admin (resolved at send time), so a
-- fresh install warns someone without any setup.
INSERT INTO alert_rules (key_id, kind, recipients, created_at, updated_at) VALUES
    (NULL, '{"kind":"percent_used","warning":{"hundredths":8000},"critical":{"hundredths":9500}}',
     '{"users":[],"emails":[],"admins":true}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    (NULL, '{"kind":"forecast","within_days":null}',
     '{"users":[],"emails":[],"admins":true}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    (NULL, '{"kind":"key_failing"}',
     '{"users":[],"emails":[],"admins":true}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Keys that exist already get the defaults too.
INSERT INTO alert_rules (key_id, kind, recipients, created_at, updated_at)
SELECT k.id, r.kind, r.recipients, r.created_at, r.updated_at
FROM api_keys k CROSS JOIN alert_rules r WHERE r.key_id IS NULL;
