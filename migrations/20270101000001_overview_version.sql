-- One number that moves whenever anything the overview shows changes (a key, its
-- newest poll, its forecast, an alert state), so the server keeps the overview's
-- rows in memory and still never shows them stale: each request reads this one row
-- and rebuilds the rows only when it moved. Triggers, not application code, bump it,
-- so every writer counts: the server, `quotaboard poll --once` and the CLI in
-- another process, and cascading deletes.
CREATE TABLE overview_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;

INSERT INTO overview_version (id, version) VALUES (1, 0);

CREATE TRIGGER overview_api_keys_insert AFTER INSERT ON api_keys
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER overview_api_keys_update AFTER UPDATE ON api_keys
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER overview_api_keys_delete AFTER DELETE ON api_keys
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER overview_key_latest_insert AFTER INSERT ON key_latest
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER overview_key_latest_update AFTER UPDATE ON key_latest
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER overview_key_latest_delete AFTER DELETE ON key_latest
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER overview_key_forecasts_insert AFTER INSERT ON key_forecasts
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER overview_key_forecasts_update AFTER UPDATE ON key_forecasts
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER overview_key_forecasts_delete AFTER DELETE ON key_forecasts
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER overview_alert_states_insert AFTER INSERT ON alert_states
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER overview_alert_states_update AFTER UPDATE ON alert_states
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER overview_alert_states_delete AFTER DELETE ON alert_states
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;
