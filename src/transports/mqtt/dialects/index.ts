// MQTT dialects: each maps one family's convention of topics and payloads onto the hub's model.
// A device is provisioned with its dialect and its own topic (Tasmota's %topic%, a Shelly's
// prefix, a Homie device's base topic, an ESPHome node's topic prefix; for the hub's own
// dialect `devices/{id}`). While the device is known, the broker keeps one session of its
// dialect for it: the session says which topics are the device's, turns each publish into hub
// input (acked telemetry, best-effort readings, presence, a description, a command answer) and
// each hub command into the publishes the device understands. The broker does the rest (acks,
// presence, ingest, refusals, tracking commands to their answers).
import type { MqttDialectKind } from '../../../core/model.js';
import type { MqttDialect } from './dialect.js';
import { esphomeDialect } from './esphome/index.js';
import { homieDialect } from './homie/index.js';
import { hubDialect } from './hub/index.js';
import { shellyDialect } from './shelly/index.js';
import { tasmotaDialect } from './tasmota/index.js';

/** Every dialect the broker speaks, by kind; the compiler refuses a kind without one. */
export const DIALECTS: { readonly [K in MqttDialectKind]: MqttDialect } = {
  hub: hubDialect,
  homie: homieDialect,
  esphome: esphomeDialect,
  tasmota: tasmotaDialect,
  shelly: shellyDialect,
};

export * from './dialect.js';
