-- `overview_version` also moves on what the key page shows beside the overview's
-- rows: a period's close-out figures and the team's time zone (every date is shown
-- in it). The server keeps key pages drawn by this number as it keeps the overview's
-- rows; the master key check value and other settings leave it alone.
CREATE TRIGGER display_period_closeouts_insert AFTER INSERT ON period_closeouts
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER display_period_closeouts_update AFTER UPDATE ON period_closeouts
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER display_period_closeouts_delete AFTER DELETE ON period_closeouts
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER display_time_zone_insert AFTER INSERT ON instance_settings
WHEN NEW.name = 'time_zone'
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER display_time_zone_update AFTER UPDATE ON instance_settings
WHEN NEW.name = 'time_zone' OR OLD.name = 'time_zone'
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER display_time_zone_delete AFTER DELETE ON instance_settings
WHEN OLD.name = 'time_zone'
BEGIN
    UPDATE overview_version SET version = version + 1 WHERE id = 1;
END;
