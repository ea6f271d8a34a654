// Teardown tied to the test that opened the resource, in the manner of fastify/demo's
// test/helper.ts: a helper that opens something takes the test context and registers its close
// with `t.after`, so a test body needs no cleanup code of its own and a failing test still cleans up.
//
// node:test runs a test's `t.after` hooks in the order they were registered, which would stop a
// hub before the clients connected to it and remove a directory before the store inside it is
// closed. So every teardown of one test goes on one stack, run last-in first-out from a single
// `t.after`: what was opened last is closed first. Every step runs even when one fails; the first
// failure then fails the test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

const stacks = new WeakMap<TestContext, Array<() => unknown>>();

/** Runs `fn` once the test is over (passed or failed), before what was registered earlier. */
export function teardown(t: TestContext, fn: () => unknown): void {
  let stack = stacks.get(t);
  if (!stack) {
    const steps: Array<() => unknown> = [];
    stack = steps;
    stacks.set(t, steps);
    t.after(async () => {
      const errors: unknown[] = [];
      for (let step = steps.pop(); step; step = steps.pop()) {
        try {
          await step();
        } catch (err) {
          errors.push(err);
        }
      }
      if (errors.length > 0) throw errors[0];
    });
  }
  stack.push(fn);
}

/** A fresh directory under the system temp dir, removed with everything in it after the test. */
export function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  teardown(t, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Whether `value` is a test's context (the first argument of helpers that take one optionally). */
export function isTestContext(value: unknown): value is TestContext {
  return typeof value === 'object' && value !== null && typeof (value as TestContext).after === 'function' && 'signal' in value;
}
