-- A key's own poll interval (minutes), overriding its vendor's default; NULL keeps
-- the default. At most 30 days.
ALTER TABLE api_keys ADD COLUMN poll_interval_minutes INTEGER
    CHECK (poll_interval_minutes IS NULL OR poll_interval_minutes BETWEEN 1 AND 43200);

-- The final figures of a closed billing period, as the vendor reported them after it
-- ended (OCR.space's `startDate=lastMonth`): the regular poll never sees the last
-- day of a month, since OCR.space counts stop at the end of yesterday.
CREATE TABLE period_closeouts (
    key_id        INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    period_start  TEXT NOT NULL,
    period_end    TEXT NOT NULL,
    used          INTEGER NOT NULL CHECK (used >= 0),
    usage_limit   INTEGER CHECK (usage_limit >= 0),
    -- When the figures were fetched; a later fetch of the same period replaces them.
    fetched_at    TEXT NOT NULL,
    -- The vendor's reply, secrets removed.
    raw_reply     TEXT CHECK (raw_reply IS NULL OR json_valid(raw_reply)),
    PRIMARY KEY (key_id, period_start),
    CHECK (period_end > period_start)
) STRICT;
