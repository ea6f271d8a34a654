// Every fuzz target, in the order `npm run fuzz` runs them. A new parser gets one file in this
// folder exporting a FuzzTarget (an MQTT dialect: a call of dialectTargets from mqtt-dialect.ts,
// as mqtt-hub.ts does) and one entry here.
import type { FuzzTarget } from '../harness.js';
import { devicesFileTarget } from './devices-file.js';
import { dsmrTarget } from './dsmr.js';
import { lineTarget } from './line.js';
import { mqttFamilyTargets } from './mqtt-families.js';
import { mqttHubTargets } from './mqtt-hub.js';
import { restInjectTarget, restParamsTarget } from './rest.js';

export const TARGETS: readonly FuzzTarget[] = [
  lineTarget,
  dsmrTarget,
  ...mqttHubTargets,
  ...mqttFamilyTargets,
  devicesFileTarget,
  restParamsTarget,
  restInjectTarget,
];
