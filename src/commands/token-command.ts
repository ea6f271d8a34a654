// `telemetry-hub token add <role>`: makes an API token in the hub's store and prints it once;
// a running hub accepts the new token at once.
import { isRole, ROLES, TokenService } from '../http/auth-tokens.js';
import { withConfiguredStore } from './with-store.js';

export const TOKEN_USAGE = `telemetry-hub token add <${ROLES.join('|')}> [options]   make an API token and print it once`;

export async function tokenCommand(args: string[]): Promise<number> {
  const [verb, role, ...rest] = args;
  if (verb !== 'add' || !isRole(role)) {
    process.stderr.write(`usage: ${TOKEN_USAGE}\n`);
    return 2;
  }
  return withConfiguredStore(rest, async (store) => {
    const { token } = await new TokenService(store).add(role, 'made with telemetry-hub token add');
    process.stdout.write(`${token}\n`);
    process.stderr.write(`a ${role} token; it is shown only this once. Send it as "Authorization: Bearer <token>" or ?token=<token>.\n`);
    return 0;
  });
}
