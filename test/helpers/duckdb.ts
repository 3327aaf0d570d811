import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** An in-memory DuckDB connection: the independent oracle of the tests. */
export interface Oracle {
  /** Rows of a query as plain JS objects (BIGINT as bigint, TIMESTAMP as Date-like values). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** Runs a statement. */
  run(sql: string): Promise<void>;
  close(): void;
}

/** Opens an in-memory DuckDB with `threads` threads. */
export async function openOracle(threads = 2): Promise<Oracle> {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const connection: DuckDBConnection = await instance.connect();
  return {
    async rows(sql) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    },
    async run(sql) {
      await connection.run(sql);
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
