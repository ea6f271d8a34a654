// One statement for many rows: `head` followed by up to MAX_ROWS copies of `row`, then `tail`.
// Each statement run crosses from JavaScript into SQLite and back once, which costs more than
// writing a small row; compaction and appends write hundreds of small rows at a time.
import type { Database, RunResult, Statement } from 'better-sqlite3';

const MAX_ROWS = 32;

export class RowStatements {
  /** By row count, prepared when first needed. */
  private readonly statements: Statement[] = [];

  constructor(
    private readonly db: Database,
    private readonly head: string,
    private readonly row: string,
    private readonly tail: string,
  ) {}

  /**
   * Runs the statements for `items`, MAX_ROWS rows at a time; `bind` pushes an item's values.
   * `done` hears of each run: the index of its first item, its row count and its result.
   */
  runEach<T>(
    items: readonly T[],
    bind: (item: T, values: unknown[]) => void,
    done?: (first: number, rows: number, info: RunResult) => void,
  ): void {
    for (let first = 0; first < items.length; first += MAX_ROWS) {
      const rows = Math.min(MAX_ROWS, items.length - first);
      const values: unknown[] = [];
      for (let i = first; i < first + rows; i++) bind(items[i], values);
      const info = this.statement(rows).run(values);
      done?.(first, rows, info);
    }
  }

  private statement(rows: number): Statement {
    let st = this.statements[rows];
    if (!st) {
      st = this.db.prepare(`${this.head} ${Array.from({ length: rows }, () => this.row).join(', ')} ${this.tail}`);
      this.statements[rows] = st;
    }
    return st;
  }
}
