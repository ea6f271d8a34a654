// GET /api/control: the WebSocket control channel (operator role). A `command` message is turned
// into a command through the command service and answered with every state it goes through
// (queued, sent, acked | failed | expired); a repeated requestId gets the same command again.
// Browsers must come from the hub's own origin or one listed in the settings.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { CommandError, type CommandService } from '../core/commands.js';
import type { EventBus } from '../core/events.js';
import type { HubLogger } from '../core/logger.js';
import { isFinal, type Command } from '../core/model.js';
import { ErrorSchema } from '../http/schemas/common.js';
import { ControlQuery } from '../http/schemas/live.js';
import type { MetricsRegistry } from '../observability/prometheus.js';
import type { CommandTracker } from './command-tracker.js';
import { type ClientMessage, ControlError, parseClientMessage, type CommandMessage } from './control-messages.js';

export interface ControlRouteDeps {
  commands: Pick<CommandService, 'create'>;
  tracker: CommandTracker;
  bus: EventBus;
  log: HubLogger;
  registry: MetricsRegistry;
  /** Origins besides the hub's own that browsers may connect from. */
  allowedOrigins: readonly string[];
  /** Protocol-level ping interval; a peer that misses one is dropped. */
  keepaliveMs: number;
}

export const controlRoutes: FastifyPluginAsyncTypebox<ControlRouteDeps> = async (app, deps) => {
  const errors = deps.registry.counter('hub_live_control_errors_total', 'Control channel requests refused, by code.');
  const messages = deps.registry.counter('hub_live_control_messages_total', 'Control channel messages received, by type.');

  app.get(
    '/api/control',
    {
      websocket: true,
      config: { role: 'operator' },
      schema: {
        summary: 'WebSocket control channel: send commands, follow their states (operator role)',
        querystring: ControlQuery,
        response: { 403: ErrorSchema },
      },
      preValidation: async (request, reply) => {
        if (originAllowed(request, deps.allowedOrigins)) return;
        errors.inc({ code: 'origin' });
        deps.log.warn({ remote: request.ip, origin: request.headers.origin }, 'control channel refused: origin not allowed');
        return reply.code(403).send({ error: 'forbidden', message: 'origin not allowed' });
      },
    },
    (socket, request) => {
      const principal = request.principal ?? { role: 'admin', tokenId: 'auth-off' };
      const log = deps.log.child({ remote: request.ip, tokenId: principal.tokenId });
      const following = new Map<string, string>(); // command id → request id
      const send = (msg: object) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
      };
      const sendState = (requestId: string, command: Command) => {
        send({ type: 'command', requestId, command });
        if (isFinal(command.state)) following.delete(command.id);
      };
      const refuse = (err: ControlError) => {
        errors.inc({ code: err.code });
        log.info({ code: err.code, requestId: err.requestId, reason: err.message }, 'control request refused');
        send({ type: 'error', requestId: err.requestId, code: err.code, message: err.message });
      };

      const offCommand = deps.bus.on('command', (command) => {
        const requestId = following.get(command.id);
        if (requestId !== undefined) sendState(requestId, command);
      });

      const runCommand = async (msg: CommandMessage) => {
        let command: Command;
        try {
          command = await deps.tracker.once(`${principal.tokenId}:${msg.requestId}`, () =>
            deps.commands.create({
              deviceId: msg.device,
              action: msg.action,
              params: msg.params,
              timeoutMs: msg.timeoutMs,
            }),
          );
        } catch (err) {
          if (err instanceof CommandError) return refuse(new ControlError(err.code, err.message, msg.requestId));
          log.error({ err, requestId: msg.requestId }, 'command could not be created');
          return refuse(new ControlError('internal', 'the command could not be created; see the hub log', msg.requestId));
        }
        // States emitted before create() returned come from the tracker; later ones from the bus.
        // Both steps are synchronous, so none is lost or sent twice.
        const history = deps.tracker.history(command.id);
        if (!isFinal(history.at(-1)?.state ?? 'queued')) following.set(command.id, msg.requestId);
        for (const state of history.length > 0 ? history : [{ ...command }]) sendState(msg.requestId, state);
      };

      socket.on('message', (data, isBinary) => {
        let msg: ClientMessage;
        try {
          if (isBinary) throw new ControlError('bad_request', 'messages must be JSON text');
          msg = parseClientMessage(data.toString());
        } catch (err) {
          return refuse(err instanceof ControlError ? err : new ControlError('bad_request', String(err)));
        }
        messages.inc({ type: msg.type });
        if (msg.type === 'ping') return send({ type: 'pong' });
        void runCommand(msg);
      });

      let alive = true;
      socket.on('pong', () => {
        alive = true;
      });
      const keepalive = setInterval(() => {
        if (!alive) return socket.terminate();
        alive = false;
        socket.ping();
      }, deps.keepaliveMs);
      keepalive.unref();
      // A revoked or expired token closes the channel (http/auth.ts); 4401 says why, as 401 would.
      const release = request.closeOnRevoke((reason) => socket.close(4401, reason.slice(0, 120)));
      socket.on('close', () => {
        release();
        clearInterval(keepalive);
        offCommand();
      });
      socket.on('error', (err) => log.warn({ err }, 'control channel socket error'));
    },
  );
};

/** Non-browser clients send no Origin; browsers must match the Host they talk to or a listed origin. */
function originAllowed(request: Pick<FastifyRequest, 'headers'>, allowed: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
