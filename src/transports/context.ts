// What a transport may use of the core. Transports never touch storage or HTTP: they register
// devices, submit readings, report presence and carry commands.
import type { CommandService } from '../core/commands.js';
import type { DeviceCredentials } from '../core/credentials.js';
import type { DeviceRegistry } from '../core/devices.js';
import type { EventBus } from '../core/events.js';
import type { Ingest } from '../core/ingest.js';
import type { HubLogger } from '../core/logger.js';
import type { PresenceService } from '../core/presence.js';
import type { StreamLedger } from '../core/streams.js';
import type { TransportMetrics } from '../core/metrics.js';

export interface TransportContext {
  bus: EventBus;
  devices: DeviceRegistry;
  ingest: Pick<Ingest, 'submit' | 'settled' | 'declareOldest'>;
  presence: Pick<PresenceService, 'online' | 'offline' | 'heard'>;
  commands: Pick<CommandService, 'acceptKind' | 'attach' | 'ack' | 'redeliver' | 'get'>;
  streams: Pick<StreamLedger, 'head' | 'nextSeqFor'>;
  log: HubLogger;
  /** Counts input a transport refuses before ingest (optional so hand-built test contexts need not supply it). */
  metrics?: TransportMetrics;
  /** Device keys: the MQTT broker verifies them, the simulator provisions its devices' keys. */
  credentials?: Pick<DeviceCredentials, 'verify' | 'provision' | 'exists' | 'dialect' | 'keyChange'>;
}
