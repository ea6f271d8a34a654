// REST access to the hub with the session's token. Errors come back as ApiError carrying the
// hub's {error, message} so views can say what went wrong.
import type { AggregatePoint, Device, Point, PresenceHistoryEntry, Role, StoredRefusal } from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ReadingsQuery {
  metric: string;
  from: number;
  to: number;
  every?: string;
}

export class Api {
  constructor(private token: string | null) {}

  setToken(token: string | null): void {
    this.token = token;
  }

  /** The caller's role. A hub without the auth route runs open, which means full rights. */
  async whoami(): Promise<Role> {
    try {
      return (await this.get<{ role: Role }>('/api/auth/whoami')).role;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return 'admin';
      throw err;
    }
  }

  async devices(): Promise<Device[]> {
    return (await this.get<{ devices: Device[] }>('/api/devices')).devices;
  }

  async device(id: string): Promise<{ device: Device; presenceHistory: PresenceHistoryEntry[] }> {
    return this.get(`/api/devices/${encodeURIComponent(id)}`);
  }

  /** The device's recent refusals as the hub keeps them; null from a hub without that route. */
  async refusals(id: string, limit = 50): Promise<StoredRefusal[] | null> {
    try {
      return (await this.get<{ refusals: StoredRefusal[] }>(withQuery(`/api/devices/${encodeURIComponent(id)}/refusals`, { limit })))
        .refusals;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && err.message.startsWith('no route')) return null;
      throw err;
    }
  }

  async aggregated(deviceId: string, q: ReadingsQuery & { every: string }): Promise<AggregatePoint[]> {
    const body = await this.get<{ points: AggregatePoint[] }>(readingsPath(deviceId, { ...q, agg: 'avg' }));
    return body.points;
  }

  /** Raw readings of one metric, following the cursor for at most `maxPages` pages. */
  async raw(deviceId: string, q: ReadingsQuery, maxPages = 5): Promise<Point[]> {
    const points: Point[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const body = await this.get<{ readings: Point[]; nextCursor: string | null }>(
        readingsPath(deviceId, { ...q, limit: '10000', ...(cursor ? { cursor } : {}) }),
      );
      for (const r of body.readings) points.push({ ts: r.ts, value: r.value });
      if (!body.nextCursor) break;
      cursor = body.nextCursor;
    }
    return points;
  }

  /** URL of the live stream; EventSource cannot send headers, so the token rides in the query. */
  streamUrl(lastEventId: string | null): string {
    return withQuery('/api/stream', { token: this.token ?? undefined, lastEventId: lastEventId ?? undefined });
  }

  controlUrl(): string {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}${withQuery('/api/control', { token: this.token ?? undefined })}`;
  }

  async get<T>(path: string): Promise<T> {
    return this.send<T>('GET', path);
  }

  /** Any method; a body goes out as JSON. Answers without a body (204) come back as null. */
  async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = this.token ? { authorization: `Bearer ${this.token}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return this.answer<T>(res);
  }

  private async answer<T>(res: Response): Promise<T> {
    const body = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok) {
      const message = body?.message ?? body?.error ?? `HTTP ${res.status}`;
      throw new ApiError(res.status, body?.error ?? 'http_error', message);
    }
    return body as T;
  }
}

function readingsPath(deviceId: string, q: Record<string, string | number | undefined>): string {
  return withQuery(`/api/devices/${encodeURIComponent(deviceId)}/readings`, q);
}

function withQuery(path: string, params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}
