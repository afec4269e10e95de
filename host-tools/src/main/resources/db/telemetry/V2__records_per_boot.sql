-- Protocol v2 numbers a device's DATA records per boot of its life (PROTOCOL.md sections 2 and 9):
-- a record is keyed by (device, life, boot_count, record), and loss is counted per (device, life,
-- boot_count).
-- bd_seq, the session a record was sent in, is kept but leaves the key: a record kept on the
-- device and sent after a reconnection has a new bd_seq and must hit the same row.
--
-- Rows stored before this migration (life '') were numbered per session: their session becomes
-- their boot_count, which keeps their keys distinct and their loss accounting unchanged.
--
-- SQLite cannot change a primary key in place: both record tables are copied into new ones.

CREATE TABLE telemetry_record_v2 (
  device            VARCHAR(32) NOT NULL,
  life              VARCHAR(64) NOT NULL DEFAULT '',
  boot_count        BIGINT      NOT NULL,
  record            BIGINT      NOT NULL,
  bd_seq            BIGINT      NOT NULL,
  device_group      VARCHAR(32) NOT NULL,
  training_state    SMALLINT    NOT NULL,
  device_time_ms    BIGINT      NOT NULL,
  samples_seen      BIGINT      NOT NULL,
  epoch             BIGINT      NOT NULL,
  step_micros       BIGINT      NOT NULL,
  ram_used          BIGINT      NOT NULL,
  learning_rate_q24 INTEGER     NOT NULL,
  layer_count       SMALLINT    NOT NULL,
  stored_ms         BIGINT      NOT NULL,
  PRIMARY KEY (device, life, boot_count, record)
);

INSERT INTO telemetry_record_v2 (device, life, boot_count, record, bd_seq, device_group, training_state,
    device_time_ms, samples_seen, epoch, step_micros, ram_used, learning_rate_q24, layer_count, stored_ms)
  SELECT device, life, bd_seq, record, bd_seq, device_group, training_state, device_time_ms,
    samples_seen, epoch, step_micros, ram_used, learning_rate_q24, layer_count, stored_ms
  FROM telemetry_record;

-- Layers are numbered from 1 (input side).
CREATE TABLE telemetry_layer_v2 (
  device          VARCHAR(32) NOT NULL,
  life            VARCHAR(64) NOT NULL DEFAULT '',
  boot_count      BIGINT      NOT NULL,
  record          BIGINT      NOT NULL,
  layer           SMALLINT    NOT NULL,
  accuracy_q15    INTEGER     NOT NULL,
  loss_q15        INTEGER     NOT NULL,
  weight_norm_q16 BIGINT      NOT NULL,
  PRIMARY KEY (device, life, boot_count, record, layer),
  FOREIGN KEY (device, life, boot_count, record) REFERENCES telemetry_record_v2 (device, life, boot_count, record)
);

INSERT INTO telemetry_layer_v2 (device, life, boot_count, record, layer, accuracy_q15, loss_q15, weight_norm_q16)
  SELECT device, life, bd_seq, record, layer, accuracy_q15, loss_q15, weight_norm_q16
  FROM telemetry_layer;

DROP TABLE telemetry_layer;
DROP TABLE telemetry_record;
ALTER TABLE telemetry_record_v2 RENAME TO telemetry_record;
ALTER TABLE telemetry_layer_v2 RENAME TO telemetry_layer;
