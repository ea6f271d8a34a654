// Authentication and the subscribe ACL. A device logs in with username = its id and password =
// its device key; the hub checks the key against the stored salted hash. Without credentials a
// client is refused unless anonymous access is enabled (development), in which case its client
// id is its device id (unless that device has a key). A device may not use another device's
// client id (see checkClientId), and may subscribe only to its own ack, cmd and error topics.
import type { AuthenticateError, Client, Subscription } from 'aedes';
import type { AuthFailureLimiter } from '../../core/auth-failure-limiter.js';
import { KeyCheckBusyError } from '../../core/key-checks.js';
import { checkDeviceId } from '../../core/model.js';
import type { HubLogger } from '../../core/logger.js';
import type { TransportContext } from '../context.js';
import type { Connections } from './connections.js';
import type { MqttRefusals } from './refusals.js';
import type { TransportMetrics } from '../../core/metrics.js';
import { DialectSessions } from './sessions.js';
import type { DialectBinding } from './dialects/index.js';

/** MQTT 3.1.1 CONNACK return codes used here. */
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

export interface GatekeeperDeps {
  credentials: NonNullable<TransportContext['credentials']>;
  devices: TransportContext['devices'];
  connections: Connections;
  sessions: DialectSessions;
  refusals: MqttRefusals;
  metrics: TransportMetrics | undefined;
  log: HubLogger;
  allowAnonymous: boolean;
  /** Shared with the HTTP API: an address that keeps presenting bad keys is refused for a while. */
  limiter: AuthFailureLimiter;
}

export class Gatekeeper {
  constructor(private readonly deps: GatekeeperDeps) {}

  authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    this.check(client, username, password).then(
      ({ deviceId, binding }) => {
        this.deps.sessions.bind(deviceId, binding);
        this.deps.connections.identify(client, deviceId);
        done(null, true);
      },
      (err: AuthenticateError) => {
        const returnCode = err.returnCode ?? SERVER_UNAVAILABLE;
        this.deps.metrics?.frameRefused('mqtt', 'connection_refused');
        this.deps.log.warn({ clientId: client.id, username, returnCode, reason: err.message }, 'mqtt connection refused');
        done(err, false);
      },
    );
  }

  authorizeSubscribe(
    client: Client,
    subscription: Subscription,
    done: (error: Error | null, subscription?: Subscription | null) => void,
  ): void {
    const deviceId = this.deps.connections.deviceId(client);
    if (deviceId && this.deps.sessions.of(deviceId).maySubscribe(subscription.topic)) {
      done(null, subscription);
      return;
    }
    // A refused filter gets SUBACK 0x80; the connection and its other subscriptions stay.
    this.deps.refusals.refuse({
      deviceId: deviceId ?? null,
      topic: subscription.topic,
      code: 'subscription_refused',
      detail: deviceId
        ? `subscription refused: ${deviceId} may subscribe only to the topics the hub publishes to it under ${this.deps.sessions.describe(deviceId)}`
        : `subscription refused: ${client.id} is not authenticated`,
    });
    done(null, null);
  }

  private async check(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<{ deviceId: string; binding: DialectBinding }> {
    let deviceId: string;
    if (username === undefined || username === '') {
      if (!this.deps.allowAnonymous) throw authError(NOT_AUTHORIZED, 'anonymous access is disabled; log in with the device id and its key');
      deviceId = client.id;
      if (checkDeviceId(deviceId)) throw authError(IDENTIFIER_REJECTED, `client id ${JSON.stringify(deviceId)} is not a valid device id`);
      // Anonymous access is for devices without a key; one that has a key must use it.
      if (await this.deps.credentials.exists(deviceId)) throw authError(NOT_AUTHORIZED, `${deviceId} has a device key; log in with it`);
    } else {
      deviceId = username;
      await this.checkKey(client, deviceId, password);
    }
    const known = this.deps.devices.get(deviceId);
    // A device's transport changes only by an admin's action, never by whoever logs in with its id.
    if (known && known.transport !== 'mqtt')
      throw authError(
        NOT_AUTHORIZED,
        `${deviceId} is a ${known.transport} device; it does not log in over MQTT unless an admin provisions it for MQTT`,
      );
    await this.checkClientId(client.id, deviceId);
    const binding = DialectSessions.bindingOf(deviceId, await this.deps.credentials.dialect(deviceId));
    await this.registerIfNew(deviceId, binding);
    return { deviceId, binding };
  }

  /**
   * The key is checked before any mark of the failure limiter is looked at, so a valid key is
   * never refused for the failures of others behind the same address. A wrong key counts against
   * the address and the device id; once either is marked, the answer says how long to wait.
   */
  private async checkKey(client: Client, deviceId: string, password: Buffer | undefined): Promise<void> {
    const remote = remoteAddress(client);
    const credential = `device:${deviceId}`;
    const { limiter } = this.deps;
    const penalised = limiter.blockedFor(remote) > 0 || limiter.blockedFor(credential) > 0;
    let ok = false;
    if (!checkDeviceId(deviceId) && password) {
      try {
        ok = await this.deps.credentials.verify(deviceId, password.toString('utf8'), { caller: remote, penalised });
      } catch (err) {
        if (err instanceof KeyCheckBusyError) throw authError(SERVER_UNAVAILABLE, err.message);
        throw err;
      }
    }
    if (ok) return;
    const waitS = Math.max(limiter.blockedFor(remote), limiter.blockedFor(credential));
    limiter.fail(remote);
    limiter.fail(credential);
    if (waitS > 0) throw authError(SERVER_UNAVAILABLE, `too many failed logins from ${remote} or for ${deviceId}; try again in ${waitS} s`);
    throw authError(BAD_USERNAME_OR_PASSWORD, `bad credentials for ${JSON.stringify(deviceId)}: unknown device or wrong key`);
  }

  /**
   * MQTT lets a new connection with a client id take over the open one with that id. Between
   * devices that would let one device log another off (and the two would then fight over the
   * id), so a device may not use another device's id, nor a client id that another device's
   * open connection holds. Its own id is always its own: a reconnecting device takes over.
   */
  private async checkClientId(clientId: string, deviceId: string): Promise<void> {
    if (clientId === deviceId) return;
    const mayBeDeviceId = checkDeviceId(clientId) === null;
    if (mayBeDeviceId && (this.deps.devices.get(clientId) || (await this.deps.credentials.exists(clientId)))) {
      throw authError(IDENTIFIER_REJECTED, `client id ${JSON.stringify(clientId)} is the id of another device`);
    }
    const holder = this.deps.connections.holderOf(clientId);
    if (holder !== undefined && holder !== deviceId) {
      throw authError(IDENTIFIER_REJECTED, `client id ${JSON.stringify(clientId)} is in use by another device`);
    }
  }

  /** A provisioned device becomes known to the registry on its first connection. */
  private async registerIfNew(deviceId: string, binding: DialectBinding): Promise<void> {
    const known = this.deps.devices.get(deviceId);
    const dialect = binding.dialect === 'hub' ? undefined : binding.dialect;
    if (known?.transport === 'mqtt' && known.dialect === dialect) return;
    await this.deps.devices.register({ id: deviceId, name: known?.name ?? deviceId, transport: 'mqtt', ...(dialect && { dialect }) });
  }
}

function authError(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** The peer's address: the TCP socket's, or for MQTT over WebSocket the HTTP request's. */
function remoteAddress(client: Client): string {
  const conn = client.conn as { remoteAddress?: string };
  return conn.remoteAddress ?? client.req?.socket?.remoteAddress ?? 'unknown';
}
