// The block a person reads when the hub starts: where the dashboard is (with the admin token in
// the link on the first start, where the token file is later), where the API documentation is,
// and the MQTT address devices use. A board on the network cannot reach "localhost", so the
// machine's LAN addresses are listed too.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export interface BannerFacts {
  version: string;
  http: { host: string; port: number; tls: boolean };
  mqtt: { host: string; port: number; tls: boolean };
  /** auth off: no token; on: the token made on this start, or only the file that holds it. */
  auth: { mode: 'off' } | { mode: 'on'; created: string | null; file: string };
  store: string;
  /** Defaults to this machine's interfaces. */
  interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>;
}

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** Where others reach a server listening on `host`: every LAN IPv4 address when it listens on all of them. */
export function reachableHosts(host: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string[] {
  if (!WILDCARD.has(host)) return [host];
  const lan = Object.values(interfaces)
    .flatMap((list) => list ?? [])
    .filter((i) => i.family === 'IPv4' && !i.internal)
    .map((i) => i.address);
  return ['localhost', ...new Set(lan)];
}

export function startBanner(facts: BannerFacts): string {
  const httpScheme = facts.http.tls ? 'https' : 'http';
  const mqttScheme = facts.mqtt.tls ? 'mqtts' : 'mqtt';
  const webHosts = reachableHosts(facts.http.host, facts.interfaces);
  const mqttHosts = reachableHosts(facts.mqtt.host, facts.interfaces);
  const web = (host: string, path = '/') => `${httpScheme}://${host}:${facts.http.port}${path}`;
  const token = facts.auth.mode === 'on' && facts.auth.created ? `?token=${facts.auth.created}` : '';
  const lines = [`telemetry-hub ${facts.version} is running`, `  Dashboard:   ${web(webHosts[0], `/${token}`)}`];
  for (const host of webHosts.slice(1)) lines.push(`               ${web(host, `/${token}`)}`);
  if (facts.auth.mode === 'off') lines.push('               API auth is off: anyone who reaches the port is admin (development only)');
  else if (facts.auth.created) lines.push(`               the admin token is shown this once; it is kept in ${facts.auth.file}`);
  else lines.push(`               sign in with the admin token in ${facts.auth.file} (or open the link with ?token=<token>)`);
  lines.push(`  API docs:    ${web(webHosts[0], '/docs')}`);
  lines.push(`  MQTT:        ${mqttHosts.map((h) => `${mqttScheme}://${h}:${facts.mqtt.port}`).join('  ')}`);
  lines.push(
    `               devices log in with their id and key (telemetry-hub device add <id>); also over WebSocket at ${web(webHosts.at(-1) ?? webHosts[0], '/mqtt').replace(/^http/, 'ws')}`,
  );
  lines.push(`  Store:       ${facts.store}`);
  return `\n${lines.join('\n')}\n\n`;
}
