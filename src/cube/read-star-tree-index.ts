import { parseSidecar, type StarTreeSidecar } from './star-tree-sidecar.js';
import { nodeColumnNames, type StarTreeIndex } from './star-tree-index.js';
import { decodeStarTreeIndex } from './star-tree-index-v2.js';

/**
 * Reads a star-tree index file of either format, told apart by the first byte: `{` is a format 1 JSON sidecar (as
 * partitions committed before format 2 hold), anything else must be format 2 binary. `source` names it in errors;
 * `crc32` may be a native CRC-32 (IEEE) to check format 2 with (the pure one when omitted).
 */
export function readStarTreeIndex(
  bytes: Uint8Array,
  source: string,
  crc32?: (bytes: Uint8Array) => number,
): StarTreeIndex {
  if (bytes[0] !== 0x7b) return decodeStarTreeIndex(bytes, source, crc32);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`star-tree index ${source} is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  return indexFromSidecar(parseSidecar(json, source), source);
}

/** A format 1 sidecar as an index: its node columns copied into Int32Arrays. */
function indexFromSidecar(s: StarTreeSidecar, source: string): StarTreeIndex {
  const lengths = nodeColumnNames.map((name) => (Array.isArray(s.nodes?.[name]) ? s.nodes[name].length : -1));
  if (lengths.some((n) => n !== lengths[0] || n < 0))
    throw new Error(`star-tree sidecar ${source} has node columns of lengths ${lengths.join(', ')} (-1: missing)`);
  return {
    formatVersion: 1,
    timeGrain: 'hour',
    dayStartMs: s.dayStartMs,
    splitOrder: s.splitOrder,
    skipStar: s.skipStar,
    starAlso: s.starAlso,
    maxLeafRecords: s.maxLeafRecords,
    dictionaries: s.dictionaries,
    records: s.records,
    nodes: Object.fromEntries(
      nodeColumnNames.map((name) => [name, Int32Array.from(s.nodes[name])]),
    ) as unknown as StarTreeIndex['nodes'],
  };
}
