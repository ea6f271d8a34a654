// The rules the hub keeps: records of kind `alert-rule`, loaded at start and checked against
// the known devices before each write (rules.ts says what a bad rule is).
import { randomUUID } from 'node:crypto';
import type { Device } from '../model.js';
import type { Store } from '../store.js';
import { checkRule, type AlertRule, type RuleInput } from './rules.js';

export const RULE_RECORD = 'alert-rule';

export class RuleBook {
  private readonly rules = new Map<string, AlertRule>();

  constructor(
    private readonly deps: {
      store: Pick<Store, 'putRecord' | 'deleteRecord' | 'listRecords'>;
      devices: { list(): Device[] };
      clock?: () => number;
    },
    private readonly options: { maxDevices: number },
  ) {}

  async load(): Promise<void> {
    this.rules.clear();
    for (const { id, doc } of await this.deps.store.listRecords(RULE_RECORD)) this.rules.set(id, doc as unknown as AlertRule);
  }

  list(): AlertRule[] {
    return [...this.rules.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  get(id: string): AlertRule | undefined {
    return this.rules.get(id);
  }

  async create(input: RuleInput): Promise<AlertRule> {
    checkRule(input, this.deps.devices.list(), this.options.maxDevices);
    const now = this.now();
    const rule: AlertRule = { ...input, id: randomUUID(), createdAt: now, updatedAt: now };
    await this.save(rule);
    return rule;
  }

  /** Replaces a rule's definition; undefined when there is no such rule. */
  async replace(id: string, input: RuleInput): Promise<AlertRule | undefined> {
    const old = this.rules.get(id);
    if (!old) return undefined;
    checkRule(input, this.deps.devices.list(), this.options.maxDevices);
    const rule: AlertRule = { ...input, id, createdAt: old.createdAt, updatedAt: this.now() };
    await this.save(rule);
    return rule;
  }

  async remove(id: string): Promise<boolean> {
    if (!this.rules.has(id)) return false;
    await this.deps.store.deleteRecord(RULE_RECORD, id);
    this.rules.delete(id);
    return true;
  }

  private async save(rule: AlertRule): Promise<void> {
    await this.deps.store.putRecord(RULE_RECORD, rule.id, { ...rule });
    this.rules.set(rule.id, rule);
  }

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }
}
