import { basename, dirname, join } from 'node:path';
import { openDatabase, type Database } from './driver.js';
import { PartitionFiles } from './partition-files.js';
import { moveEntriesIntoPartitions } from './partition-move.js';
import { finishDrops } from './partition-retention.js';
import { PartitionedWriter, type PartitionedWriterOptions } from './partitioned-writer.js';
import { configureConnection, migrate } from './schema.js';

/** Where a catalog's partitions live: `ledger.db` → `ledger.partitions/`. */
export function partitionsDirOf(catalogFile: string): string {
  return join(dirname(catalogFile), `${basename(catalogFile).replace(/\.db$/, '')}.partitions`);
}

/**
 * Opens a ledger for writing, in the order a restart needs: the catalog's
 * schema, leftovers of interrupted file operations, drops to finish,
 * entries of a single-file ledger to move, then rows the catalog has not
 * applied (catalog-apply.ts).
 */
export function openLedgerWriter(
  catalogFile: string,
  options: PartitionedWriterOptions,
  log: (message: string) => void = () => undefined,
): { catalog: Database; writer: PartitionedWriter } {
  const catalog = openDatabase(catalogFile);
  // the catalog's share of a write is replayed from the partitions if lost: it need not wait for the disk
  configureConnection(catalog, 'NORMAL', 64);
  migrate(catalog);
  const files = new PartitionFiles(partitionsDirOf(catalogFile));
  files.removeLeftovers();
  const writer = new PartitionedWriter(catalog, files, options);
  finishDrops(writer, catalog);
  moveEntriesIntoPartitions(catalog, writer, options.fulltext, log);
  writer.catchUpAll();
  return { catalog, writer };
}
