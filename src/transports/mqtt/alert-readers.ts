// Clients that read the hub's alerts over its broker. They log in with the username `$token` and
// an API token (any role: a viewer may read alerts) as the password; `$` cannot begin a device id,
// so no device is shadowed. Such a client may subscribe only to filters under the alert topics
// (`hub/alerts/…`) and may publish nothing; its connection is closed when its token is revoked or
// expires. Its client id may not be a device's id, nor one a device's connection holds, so it can
// never take a device's session over.
import type { Aedes, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import type { AuthFailureLimiter } from '../../core/auth-failure-limiter.js';
import type { HubLogger } from '../../core/logger.js';

export const TOKEN_USERNAME = '$token';
export const ALERT_TOPIC_ROOT = 'hub/alerts';

/** MQTT 3.1.1 CONNACK return codes used here. */
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;

export interface TokenLogins {
  /** The token's id when it is valid now, else null. */
  verify(token: string): Promise<string | null>;
  /** Registers what closes a connection opened with the token; returns what to call once it closed. */
  track(tokenId: string, close: (reason: string) => void): () => void;
}

export class AlertReaders {
  private readonly untrack = new Map<Client, () => void>();

  constructor(
    private readonly deps: {
      logins: TokenLogins;
      /** Whether a client id belongs to a device, or to a device's open connection. */
      isDeviceClientId: (clientId: string) => Promise<boolean>;
      limiter: AuthFailureLimiter;
      log: HubLogger;
    },
  ) {}

  /** Whether a login is an alert reader's, to be answered here and not by the device gatekeeper. */
  claims(username: string | undefined): boolean {
    return username === TOKEN_USERNAME;
  }

  has(client: Client | null): boolean {
    return client !== null && this.untrack.has(client);
  }

  /** Hooks the broker's disconnects, so a closed reader stops being tracked. */
  attach(aedes: Aedes): void {
    aedes.on('clientDisconnect', (client) => {
      this.untrack.get(client)?.();
      this.untrack.delete(client);
    });
  }

  authenticate(
    client: Client,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    this.check(client, password).then(
      (tokenId) => {
        this.untrack.set(
          client,
          this.deps.logins.track(tokenId, (reason) => {
            this.deps.log.info({ clientId: client.id, reason }, 'alert reader disconnected');
            client.close();
          }),
        );
        done(null, true);
      },
      (err: AuthenticateError) => {
        this.deps.log.warn({ clientId: client.id, reason: err.message }, 'mqtt alert reader refused');
        done(err, false);
      },
    );
  }

  /** Filters under the alert topics only; any other is refused with SUBACK 0x80. */
  authorizeSubscribe(client: Client, subscription: Subscription, done: (error: Error | null, sub?: Subscription | null) => void): void {
    if (subscription.topic.startsWith(`${ALERT_TOPIC_ROOT}/`)) {
      done(null, subscription);
      return;
    }
    this.deps.log.info({ clientId: client.id, topic: subscription.topic }, `alert reader may subscribe only under ${ALERT_TOPIC_ROOT}/`);
    done(null, null);
  }

  /** A reader publishes nothing: the broker closes its connection. */
  refusePublish(client: Client, packet: PublishPacket, done: (error?: Error | null) => void): void {
    this.deps.log.info({ clientId: client.id, topic: packet.topic }, 'alert reader may not publish; connection closed');
    done(new Error('alert readers may not publish'));
  }

  private async check(client: Client, password: Buffer | undefined): Promise<string> {
    const remote = (client.conn as { remoteAddress?: string }).remoteAddress ?? client.req?.socket?.remoteAddress ?? 'unknown';
    const tokenId = await this.deps.logins.verify(password?.toString('utf8') ?? '');
    if (!tokenId) {
      const waitS = this.deps.limiter.blockedFor(remote);
      this.deps.limiter.fail(remote);
      throw authError(
        waitS > 0 ? SERVER_UNAVAILABLE : BAD_USERNAME_OR_PASSWORD,
        waitS > 0 ? `too many failed logins from ${remote}; try again in ${waitS} s` : 'unknown, revoked or expired API token',
      );
    }
    if (await this.deps.isDeviceClientId(client.id)) {
      throw authError(IDENTIFIER_REJECTED, `client id ${JSON.stringify(client.id)} is a device's; an alert reader needs its own`);
    }
    return tokenId;
  }
}

function authError(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}
