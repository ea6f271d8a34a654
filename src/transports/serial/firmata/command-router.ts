// The command service takes one sink per transport kind, while every Firmata board has its own
// session. This router is the one 'firmata' sink of a hub and hands each command to the session
// of its device. It is created on first use per command service, so two hubs in one process
// (as in tests) keep their boards apart.
import type { CommandSink } from '../../../core/commands.js';
import type { Command } from '../../../core/model.js';
import type { TransportContext } from '../../context.js';

type Commands = TransportContext['commands'];

class FirmataCommandRouter implements CommandSink {
  private readonly sessions = new Map<string, CommandSink>();

  add(deviceId: string, session: CommandSink): void {
    this.sessions.set(deviceId, session);
  }

  remove(deviceId: string, session: CommandSink): void {
    if (this.sessions.get(deviceId) === session) this.sessions.delete(deviceId);
  }

  async deliver(command: Command): Promise<boolean> {
    const session = this.sessions.get(command.deviceId);
    return session ? session.deliver(command) : false;
  }
}

const routers = new WeakMap<Commands, FirmataCommandRouter>();

export function firmataCommandRouter(commands: Commands): FirmataCommandRouter {
  let router = routers.get(commands);
  if (!router) {
    router = new FirmataCommandRouter();
    routers.set(commands, router);
    commands.registerSink('firmata', router);
  }
  return router;
}
