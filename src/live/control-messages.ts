// The control channel's message checks: everything a client sends is parsed and validated here,
// so the handler works with typed requests and every refusal has a code and a reason.
import { checkDeviceId } from '../core/model.js';

export interface CommandMessage {
  type: 'command';
  requestId: string;
  device: string;
  action: string;
  params: Record<string, unknown>;
  timeoutMs: number;
}

export type ClientMessage = CommandMessage | { type: 'ping' };

export class ControlError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

export const COMMAND_TIMEOUT = { defaultMs: 10_000, minMs: 100, maxMs: 10 * 60_000 } as const;
const ACTION_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** Commands are switched outputs and settings, and every one is stored and pushed to every live client. */
export const MAX_PARAMS_CHARS = 16 * 1024;

export function parseClientMessage(raw: string): ClientMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    throw new ControlError('bad_json', 'message is not valid JSON');
  }
  if (!isObject(msg) || typeof msg.type !== 'string')
    throw new ControlError('bad_request', 'message must be a JSON object with a string "type"');
  if (msg.type === 'ping') return { type: 'ping' };
  if (msg.type === 'command') return parseCommand(msg);
  throw new ControlError(
    'unknown_type',
    `unknown message type "${String(msg.type).slice(0, 40)}"; known types are command and ping`,
    requestIdOf(msg),
  );
}

function parseCommand(msg: Record<string, unknown>): CommandMessage {
  const requestId = requestIdOf(msg);
  if (requestId === null) throw new ControlError('bad_request', 'requestId must be a string of 1 to 128 characters');
  const refuse = (message: string) => new ControlError('bad_request', message, requestId);
  const deviceProblem = checkDeviceId(msg.device);
  if (deviceProblem) throw refuse(deviceProblem);
  if (typeof msg.action !== 'string' || !ACTION_PATTERN.test(msg.action))
    throw refuse('action must be a name of letters, digits, ".", "_" or "-" (at most 64)');
  if (msg.params !== undefined && !isObject(msg.params)) throw refuse('params must be a JSON object');
  if (msg.params !== undefined && JSON.stringify(msg.params).length > MAX_PARAMS_CHARS)
    throw refuse(`params must be at most ${MAX_PARAMS_CHARS} characters of JSON`);
  const timeoutMs = msg.timeoutMs ?? COMMAND_TIMEOUT.defaultMs;
  if (
    typeof timeoutMs !== 'number' ||
    !Number.isInteger(timeoutMs) ||
    timeoutMs < COMMAND_TIMEOUT.minMs ||
    timeoutMs > COMMAND_TIMEOUT.maxMs
  ) {
    throw refuse(`timeoutMs must be a whole number from ${COMMAND_TIMEOUT.minMs} to ${COMMAND_TIMEOUT.maxMs}`);
  }
  return {
    type: 'command',
    requestId,
    device: msg.device as string,
    action: msg.action,
    params: (msg.params as Record<string, unknown>) ?? {},
    timeoutMs,
  };
}

function requestIdOf(msg: Record<string, unknown>): string | null {
  const id = msg.requestId;
  return typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
