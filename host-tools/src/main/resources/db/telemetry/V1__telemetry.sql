-- The telemetry database (docs/fleet/README.md): SQLite and PostgreSQL run this same script.
--
-- Every table is keyed by what identifies its rows on the wire (PROTOCOL.md, section 8), so a
-- row that arrives twice (a QoS 1 redelivery, a resumed session, another collector) is refused by
-- the key and storing is idempotent: INSERT ... ON CONFLICT DO NOTHING.
--
-- `life` is the device's life: '' for protocol v1 devices, which carry no life id. A later
-- protocol that gives each life a random id writes it here (as text) and needs no migration;
-- records of a wiped device then never collide with its earlier ones.

-- One row per device session (bdSeq), from its BIRTH: what ran while the records were taken.
CREATE TABLE device_session (
  device        VARCHAR(32) NOT NULL,
  life          VARCHAR(64) NOT NULL DEFAULT '',
  bd_seq        BIGINT      NOT NULL,
  device_group  VARCHAR(32) NOT NULL,
  board         VARCHAR(32) NOT NULL,
  boot_count    BIGINT      NOT NULL,
  image_sha256  VARCHAR(64) NOT NULL,
  layer_count   INTEGER     NOT NULL,
  class_count   INTEGER     NOT NULL,
  born_ms       BIGINT      NOT NULL,
  PRIMARY KEY (device, life, bd_seq)
);

-- One row per DATA record; its layers in telemetry_layer. Q15 / Q16 / Q24 values are stored as
-- the integers the message carries; stored_ms is when a collector stored it (host clock).
CREATE TABLE telemetry_record (
  device            VARCHAR(32) NOT NULL,
  life              VARCHAR(64) NOT NULL DEFAULT '',
  bd_seq            BIGINT      NOT NULL,
  record            BIGINT      NOT NULL,
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
  PRIMARY KEY (device, life, bd_seq, record)
);

-- Layers are numbered from 1 (input side).
CREATE TABLE telemetry_layer (
  device          VARCHAR(32) NOT NULL,
  life            VARCHAR(64) NOT NULL DEFAULT '',
  bd_seq          BIGINT      NOT NULL,
  record          BIGINT      NOT NULL,
  layer           SMALLINT    NOT NULL,
  accuracy_q15    INTEGER     NOT NULL,
  loss_q15        INTEGER     NOT NULL,
  weight_norm_q16 BIGINT      NOT NULL,
  PRIMARY KEY (device, life, bd_seq, record, layer),
  FOREIGN KEY (device, life, bd_seq, record) REFERENCES telemetry_record (device, life, bd_seq, record)
);

-- Held-out evaluations: successful EVALUATE acknowledgements, keyed by the command.
-- samples_seen is the device's latest record when the answer arrived (the ACK does not carry it).
CREATE TABLE evaluation (
  device            VARCHAR(32) NOT NULL,
  life              VARCHAR(64) NOT NULL DEFAULT '',
  bd_seq            BIGINT      NOT NULL,
  command_id        BIGINT      NOT NULL,
  samples_seen      BIGINT      NOT NULL,
  evaluated_samples BIGINT      NOT NULL,
  layer_count       SMALLINT    NOT NULL,
  received_ms       BIGINT      NOT NULL,
  PRIMARY KEY (device, life, bd_seq, command_id)
);

CREATE TABLE evaluation_layer (
  device       VARCHAR(32) NOT NULL,
  life         VARCHAR(64) NOT NULL DEFAULT '',
  bd_seq       BIGINT      NOT NULL,
  command_id   BIGINT      NOT NULL,
  layer        SMALLINT    NOT NULL,
  accuracy_q15 INTEGER     NOT NULL,
  PRIMARY KEY (device, life, bd_seq, command_id, layer),
  FOREIGN KEY (device, life, bd_seq, command_id) REFERENCES evaluation (device, life, bd_seq, command_id)
);
