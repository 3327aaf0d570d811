/** Where the job reports what it does; the CLI decides between JSON lines and a progress bar. */
export interface Logger {
  /** One event with fixed keys where they apply: partition, rows, bytes, ms, outcome. */
  event(name: string, fields: Readonly<Record<string, unknown>>): void;
  /** Progress of a long step: `done` of `total` units. */
  progress(step: string, done: number, total: number): void;
}

/** A logger that drops everything (library use and tests). */
export const silentLogger: Logger = { event() {}, progress() {} };
