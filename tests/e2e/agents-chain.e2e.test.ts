import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../exporters/sqlite/driver.js';
import { activityEventHash } from '../../model/activity-hash.js';
import { callApi, createKey } from '../helpers/agents-api.js';
import { runCli } from '../helpers/cli.js';
import { CLI, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * The activity log is provably immutable: the store refuses changes, and a
 * change made behind its back (here: straight in the SQLite file, with the
 * trigger dropped on the test's own connection) is named by verify, through
 * the API and the CLI, as the first broken link. Run `npm run build` first.
 */

let server: ServerProcess;
let key: string;
const agents: Record<string, { id: string; asn: string; events: any[] }> = {};

const verify = async (name: string) => (await callApi(server, 'GET', `/api/v1/agents/${agents[name].asn}/activity/verify`, { key })).body;

function cliVerify(ref: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'verify', '--agent', ref], { env: { ...process.env, AGENT_LEDGER_DATA_DIR: server.dataDir }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withDb<T>(work: (db: ReturnType<typeof openDatabase>) => T): T {
  const db = openDatabase(join(server.dataDir, 'ledger.db'));
  db.pragma('busy_timeout = 5000');
  try {
    return work(db);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  server = await startServerProcess();
  key = createKey(server, 'acme', 'admin,read,ingest');
  for (const name of ['edited', 'rehashed', 'truncated', 'intact']) {
    const agent = (await callApi(server, 'POST', '/api/v1/agents', { key, body: { name, external_ids: [name] } })).body;
    const events = Array.from({ length: 10 }, (_, i) => ({ asn: agent.asn, event_type: 'task_completed', metadata: { step: i + 1 } }));
    agents[name] = { id: agent.id, asn: agent.asn, events: (await callApi(server, 'POST', '/api/v1/activity/report/batch', { key, body: { events } })).body.data };
  }
});

afterAll(async () => {
  await server?.stop();
});

describe('an untouched chain', () => {
  it('verifies through the API and the CLI', async () => {
    expect(await verify('intact')).toEqual({
      agent_id: agents.intact.id,
      asn: agents.intact.asn,
      valid: true,
      events_checked: 10,
      tombstones: 0,
      verified_from: 1,
      head: { sequence: 10, hash: agents.intact.events[9].hash },
      first_broken: null,
    });
    const cli = cliVerify('intact');
    expect(cli.status).toBe(0);
    expect(JSON.parse(cli.stdout).valid).toBe(true);
  });
});

describe('the store', () => {
  it('refuses to update or delete an event on any connection while its triggers stand', () => {
    withDb((db) => {
      expect(() => db.prepare("UPDATE activity_events SET metadata = '{}' WHERE agent_id = ?").run(agents.intact.id)).toThrow(/immutable/);
      expect(() => db.prepare('DELETE FROM activity_events WHERE agent_id = ?').run(agents.intact.id)).toThrow(/retention sweep/);
    });
  });
});

describe('a row changed directly in the SQLite file', () => {
  it('is named by verify as the first broken link, through the API and the CLI', async () => {
    const target = agents.edited.events[3];
    withDb((db) => {
      db.exec('DROP TRIGGER activity_events_immutable');
      db.prepare('UPDATE activity_events SET metadata = ? WHERE id = ?').run(JSON.stringify({ step: 4, forged: true }), target.id);
    });
    const result = await verify('edited');
    expect(result.valid).toBe(false);
    expect(result.first_broken).toEqual({ sequence: 4, event_id: target.id, reason: 'hash_mismatch', expected: expect.stringMatching(/^[0-9a-f]{64}$/), found: target.hash });
    expect(result.events_checked).toBe(3);
    const cli = cliVerify(agents.edited.asn);
    expect(cli.status).toBe(1);
    expect(JSON.parse(cli.stdout).first_broken.event_id).toBe(target.id);
    expect(cli.stderr).toContain(`BROKEN at sequence 4 (event ${target.id})`);
    // the other chains are untouched
    expect((await verify('intact')).valid).toBe(true);
  });

  it('with its hash recomputed too, breaks the next link', async () => {
    const target = agents.rehashed.events[5];
    withDb((db) => {
      db.exec('DROP TRIGGER IF EXISTS activity_events_immutable');
      const forged = { ...target, metadata: { step: 6, forged: true } };
      const hash = activityEventHash(
        { id: forged.id, organization_id: 'acme', agent_id: forged.agent_id, sequence: forged.sequence, event_type: forged.event_type, severity: forged.severity, metadata: forged.metadata, reported_by: forged.reported_by, created_at: forged.created_at },
        forged.prev_hash,
      );
      db.prepare('UPDATE activity_events SET metadata = ?, hash = ? WHERE id = ?').run(JSON.stringify(forged.metadata), hash, target.id);
    });
    const result = await verify('rehashed');
    expect(result.first_broken).toMatchObject({ sequence: 7, event_id: agents.rehashed.events[6].id, reason: 'prev_hash_mismatch' });
  });

  it('deleted at the tail, is a missing event against the head the agent records', async () => {
    withDb((db) => {
      db.exec('DROP TRIGGER activity_events_retention_only');
      db.prepare('DELETE FROM activity_events WHERE id = ?').run(agents.truncated.events[9].id);
    });
    const result = await verify('truncated');
    expect(result.first_broken).toMatchObject({ sequence: 10, event_id: null, reason: 'missing_event' });
  });
});

describe('agent-ledger agents', () => {
  it('lists and shows agents', () => {
    const list = runCli(server.dataDir, ['agents', 'list', '--org', 'acme']);
    for (const name of Object.keys(agents)) expect(list).toContain(agents[name].asn);
    expect(list.split('\n')[0]).toMatch(/^id\s+asn\s+name\s+organization_id\s+status/);
    const shown = JSON.parse(runCli(server.dataDir, ['agents', 'show', 'intact']));
    expect(shown).toMatchObject({ id: agents.intact.id, asn: agents.intact.asn, activity_count: 10 });
    expect(JSON.parse(runCli(server.dataDir, ['agents', 'show', agents.intact.asn])).id).toBe(agents.intact.id);
  });
});
