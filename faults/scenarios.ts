import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../exporters/sqlite/driver.js';
import { Deployment } from './deployment.js';
import { Load, sleep } from './load.js';
import { runUnderLoad, STEADY, tally, type Durations, type ScenarioResult } from './measure.js';
import type { RedisProcess } from './redis.js';

export interface ScenarioContext {
  durations: Durations;
  /** A Redis of our own (AOF, fsync always), or null with `redisMissing` saying why. */
  redis: RedisProcess | null;
  redisMissing: string;
}

export interface Scenario {
  name: string;
  mode: 'embedded' | 'bullmq';
  fault: string;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}

/** A random point in the next `ms`: kills land anywhere in a batch, not on a boundary we chose. */
function randomDelay(ms: number): Promise<void> {
  return sleep(Math.random() * ms);
}

async function withDeployment(start: () => Promise<Deployment>, run: (d: Deployment) => Promise<ScenarioResult>): Promise<ScenarioResult> {
  const d = await start();
  try {
    return await run(d);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${d.logs()}`);
  } finally {
    await d.close();
  }
}

/** kill -9 of one member of a scale-out deployment, started again at once. */
function killScaleOut(name: string, member: string, fault: string, extra: { apiRecovery?: boolean } = {}): Scenario {
  return {
    name,
    mode: 'bullmq',
    fault,
    run: ({ durations, redis }) =>
      withDeployment(
        () => Deployment.scaleOut(redis!),
        (d) =>
          runUnderLoad(
            d,
            durations,
            { name, mode: 'bullmq', fault },
            async () => {
              await randomDelay(2_000);
              // a worker is killed while jobs are taken, so one it holds may be cut mid-batch
              for (let i = 0; member.startsWith('worker') && i < 200 && (await d.activeJobs()) === 0; i++) await sleep(5);
              await d.kill(member);
              const end = performance.now();
              await d.restart(member);
              return end;
            },
            extra,
          ),
      ),
  };
}

/** The write lock of the catalog and of today's day file, held by another connection (as a backup or a stray writer would). */
function lockStore(dataDir: string): Database[] {
  const day = `${new Date().toISOString().slice(0, 10)}.db`;
  const files = [join(dataDir, 'ledger.db'), join(dataDir, 'ledger.partitions', day)];
  return files.map((file) => {
    if (!existsSync(file)) throw new Error(`${file} does not exist: no span landed before the outage`);
    const db = openDatabase(file, { timeout: 30_000 });
    db.exec('BEGIN IMMEDIATE');
    return db;
  });
}

/** Writes a filler file until the file system is full; returns its path and size. */
function fillDisk(dir: string): { file: string; bytes: number } {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(256 * 1024, 1);
  let bytes = 0;
  try {
    for (;;) {
      try {
        bytes += writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
    }
    // the last pages too: SQLite needs one to grow its WAL
    for (const size of [4096, 512]) {
      try {
        for (;;) bytes += writeSync(fd, chunk.subarray(0, size));
      } catch {
        /* full at this granularity */
      }
    }
  } finally {
    closeSync(fd);
  }
  return { file, bytes };
}

export const SCENARIOS: Scenario[] = [
  killScaleOut('receiver-kill', 'receiver', 'kill -9 of the receiver under load, restarted'),
  killScaleOut('worker-kill', 'worker-1', 'kill -9 of a worker mid-batch, restarted'),
  killScaleOut('query-kill', 'query', 'kill -9 of the query server, restarted (ingest must not notice)', { apiRecovery: true }),
  {
    name: 'all-kill',
    mode: 'embedded',
    fault: 'kill -9 of the embedded `all` process, restarted',
    run: ({ durations }) =>
      withDeployment(
        () => Deployment.embedded(),
        (d) =>
          runUnderLoad(d, durations, { name: 'all-kill', mode: 'embedded', fault: 'kill -9 of `all`, restarted' }, async () => {
            await randomDelay(2_000);
            await d.kill('all');
            const end = performance.now();
            await d.restart('all');
            return end;
          }),
      ),
  },
  {
    name: 'redis-kill',
    mode: 'bullmq',
    fault: 'kill -9 of Redis, down ~10 s, restarted on the same port and AOF',
    run: ({ durations, redis }) =>
      withDeployment(
        () => Deployment.scaleOut(redis!),
        (d) =>
          runUnderLoad(d, durations, { name: 'redis-kill', mode: 'bullmq', fault: `kill -9 of Redis for ${durations.redisDownMs / 1000} s` }, async () => {
            await randomDelay(2_000);
            await redis!.kill();
            await sleep(durations.redisDownMs);
            const end = performance.now();
            await redis!.restart();
            return end;
          }),
      ),
  },
  {
    name: 'store-locked',
    mode: 'embedded',
    fault: 'store writes failing (catalog and day file write-locked by another connection)',
    run: ({ durations }) =>
      withDeployment(
        () => Deployment.embedded(),
        (d) =>
          runUnderLoad(d, durations, { name: 'store-locked', mode: 'embedded', fault: `store write-locked for ${durations.faultMs / 1000} s` }, async () => {
            const blockers = lockStore(d.dataDir);
            await sleep(durations.faultMs);
            for (const b of blockers) {
              b.exec('ROLLBACK');
              b.close();
            }
            return performance.now();
          }),
      ),
  },
  {
    name: 'disk-full',
    mode: 'embedded',
    fault: 'data dir on a small tmpfs filled until SQLITE_FULL, then space freed',
    async run({ durations }) {
      const mountPoint = mkdtempSync(join(tmpdir(), 'faults-tmpfs-'));
      const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mountPoint], { encoding: 'utf8' });
      const fault = `tmpfs of 96 MiB filled for ${durations.faultMs / 1000} s`;
      if (mount.status !== 0) {
        rmSync(mountPoint, { recursive: true, force: true });
        return unmeasured('disk-full', 'embedded', fault, { skipped: `mount -t tmpfs not permitted here (${(mount.stderr || mount.error?.message || '').trim()})` });
      }
      try {
        return await withDeployment(
          () => Deployment.embedded({ dataDir: join(mountPoint, 'data') }),
          (d) =>
            runUnderLoad(d, durations, { name: 'disk-full', mode: 'embedded', fault }, async () => {
              const { file } = fillDisk(mountPoint);
              await sleep(durations.faultMs);
              rmSync(file);
              return performance.now();
            }),
        );
      } finally {
        spawnSync('umount', ['-l', mountPoint]);
        rmSync(mountPoint, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'overload',
    mode: 'embedded',
    fault: '4x the sustainable rate, open loop',
    run: ({ durations }) =>
      withDeployment(
        () => Deployment.embedded(),
        async (d) => {
          // the sustainable rate: closed-loop senders back to back, counted by acknowledgements (durable in embedded mode)
          const probe = new Load(() => ({ otlpUrl: d.otlpUrl, auth: d.auth }), STEADY.spansPerRequest);
          const from = performance.now();
          probe.steady(16, Infinity);
          await sleep(durations.probeMs);
          const sustainable = probe.ackRate(from + 1_000, performance.now());
          await probe.stop(30_000);
          const probed = await tally(d, probe, probe.ackedNames());
          const offered = (4 * sustainable) / STEADY.spansPerRequest;
          const fault = `${Math.round(4 * sustainable)} spans/s offered (4 x ${Math.round(sustainable)}) for ${durations.faultMs / 1000} s`;
          return runUnderLoad(
            d,
            durations,
            { name: 'overload', mode: 'embedded', fault },
            async (load) => {
              // senders hold up to 4096 requests (~200k spans, more than the server's queue takes) and drop the rest, unsent
              await load.openLoop(offered, durations.faultMs, 4096);
              return performance.now();
            },
            {
              otherStored: probed.stored,
              notes: [
                `sustainable ${Math.round(sustainable)} spans/s (16 closed-loop senders, ${durations.probeMs / 1000} s; its ${probed.stored} spans are left out of the counts)`,
                ...(probed.lost || probed.duplicated ? [`the probe lost ${probed.lost} and duplicated ${probed.duplicated}`] : []),
              ],
            },
          );
        },
      ),
  },
];

function unmeasured(name: string, mode: ScenarioResult['mode'], fault: string, why: { skipped: string } | { error: string }): ScenarioResult {
  return {
    name,
    mode,
    fault,
    ...why,
    sent: 0,
    acknowledged: 0,
    stored: 0,
    lost: 0,
    duplicated: 0,
    refused: 0,
    failed: {},
    droppedBySender: 0,
    ingestRecoveredS: null,
    backlogStoredS: null,
    apiCount: null,
    peakRssMb: 0,
    notes: [],
  };
}

export async function runScenario(s: Scenario, ctx: ScenarioContext): Promise<ScenarioResult> {
  if (s.mode === 'bullmq' && !ctx.redis) return unmeasured(s.name, s.mode, s.fault, { skipped: ctx.redisMissing });
  try {
    return await s.run(ctx);
  } catch (err) {
    return unmeasured(s.name, s.mode, s.fault, { error: (err as Error).message });
  }
}

