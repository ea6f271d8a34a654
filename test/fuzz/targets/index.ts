// Every fuzz target, in the order `npm run fuzz` runs them. A new parser gets one file in this
// folder exporting a FuzzTarget (an MQTT dialect: a call of dialectTargets in mqtt-dialect.ts)
// and one line here.
import type { FuzzTarget } from '../harness.js';
import { dsmrTarget } from './dsmr.js';
import { lineTarget } from './line.js';

export const TARGETS: readonly FuzzTarget[] = [lineTarget, dsmrTarget];
