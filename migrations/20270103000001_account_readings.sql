-- StructOCR answers every key's poll with its whole account's credit. Those figures
-- are stored here once per account and stored batch, and each key's snapshot links
-- to the row it came with. (The key's own snapshot keeps the headline figures the
-- charts read, as before.)
CREATE TABLE account_readings (
    id                   INTEGER PRIMARY KEY,
    vendor               TEXT NOT NULL,
    -- The pool's name (`api_keys.account_ref`), or `key:<id>` for a key alone on
    -- its account (the vendor does not say which account a key belongs to).
    account              TEXT NOT NULL,
    -- When the figures were true (the newest of the batch's replies for it).
    as_of                TEXT NOT NULL,
    credits_total        INTEGER NOT NULL CHECK (credits_total >= 0),
    credits_used         INTEGER NOT NULL CHECK (credits_used >= 0),
    credits_remaining    INTEGER NOT NULL,
    credits_this_period  INTEGER CHECK (credits_this_period >= 0),
    requests_this_period INTEGER CHECK (requests_this_period >= 0)
) STRICT;
CREATE INDEX account_readings_by_account ON account_readings (vendor, account, as_of);
CREATE INDEX account_readings_by_time ON account_readings (as_of);

ALTER TABLE snapshots ADD COLUMN account_reading_id INTEGER
    REFERENCES account_readings (id) ON DELETE SET NULL;
CREATE INDEX snapshots_by_account_reading ON snapshots (account_reading_id);
