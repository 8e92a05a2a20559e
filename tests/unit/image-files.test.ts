import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

// No container engine runs here: the image and compose file are checked by what they say.
const ROOT = join(import.meta.dirname, '../..');

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | null;
  instructions: Instruction[];
}

/** Dockerfile → stages of instructions (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (pending !== '' && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, op, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    if (op.toUpperCase() === 'FROM') {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
      stages.push({ from: m[1], name: m[2] ?? null, instructions: [] });
    } else {
      expect(stages.length, `${op} before any FROM`).toBeGreaterThan(0);
      stages[stages.length - 1].instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

const execForm = (args: string): string[] => JSON.parse(args.replace(/^(--\S+\s+)*/, '').replace(/^CMD\s+/, ''));

describe('Dockerfile', () => {
  const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const runtime = stages[stages.length - 1];
  const ops = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op);

  it('is multi-stage, the last stage on node:22-bookworm-slim', () => {
    expect(stages.length).toBeGreaterThan(1);
    expect(runtime.from).toBe('node:22-bookworm-slim');
  });

  it('runs as a non-root user in the final stage, set before the entry point', () => {
    const users = ops(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].args.split(':')[0];
    expect(['root', '0', '']).not.toContain(user);
    const index = (op: string) => runtime.instructions.map((i) => i.op).lastIndexOf(op);
    expect(index('USER')).toBeLessThan(index('ENTRYPOINT'));
    // the data directory is the user's
    expect(ops(runtime, 'RUN').some((r) => new RegExp(`chown\\s+${user}(:\\S+)?\\s+/data\\b`).test(r.args))).toBe(true);
    expect(ops(runtime, 'ENV').map((e) => e.args).join(' ')).toMatch(/AGENT_LEDGER_DATA_DIR=\/data\b/);
  });

  it('has a HEALTHCHECK that runs the compiled healthcheck with node', () => {
    const checks = ops(runtime, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const command = execForm(checks[0].args);
    expect(command[0]).toBe('node');
    expect(command[1]).toBe('dist/cli/healthcheck.js');
    expect(existsSync(join(ROOT, 'cli/healthcheck.ts'))).toBe(true);
    expect(checks[0].args).not.toMatch(/curl|wget/);
  });

  it('carries only production dependencies into the runtime stage', () => {
    const installs = (stage: Stage) => ops(stage, 'RUN').filter((r) => /\bnpm\s+(ci|install|i)\b/.test(r.args));
    // the runtime stage installs nothing itself, or only with --omit=dev
    for (const run of installs(runtime)) expect(run.args).toMatch(/--omit=dev\b/);
    const copies = ops(runtime, 'COPY').map((c) => ({ from: /--from=(\S+)/.exec(c.args)?.[1] ?? null, paths: c.args.replace(/--\S+\s*/g, '').trim().split(/\s+/) }));
    const modules = copies.filter((c) => c.paths.some((p) => p.includes('node_modules')));
    expect(modules.length).toBeGreaterThan(0);
    for (const copy of modules) {
      expect(copy.from, 'node_modules come from another stage').not.toBeNull();
      const source = stages.find((s) => s.name === copy.from);
      expect(source, `stage ${copy.from}`).toBeDefined();
      const sourceInstalls = installs(source!);
      expect(sourceInstalls.length).toBeGreaterThan(0);
      for (const run of sourceInstalls) {
        expect(run.args).toMatch(/\bnpm\s+ci\b/); // the lockfile, exactly
        expect(run.args).toMatch(/--omit=dev\b/);
      }
    }
    // nothing else from the build stage (which holds dev dependencies) but its compiled output
    const build = stages.find((s) => installs(s).some((r) => !/--omit=dev/.test(r.args)));
    expect(build).toBeDefined();
    for (const copy of copies.filter((c) => c.from === build!.name)) expect(copy.paths.slice(0, -1).every((p) => /\/dist\/?$/.test(p))).toBe(true);
    // and never the whole context
    expect(copies.filter((c) => c.from === null).flatMap((c) => c.paths.slice(0, -1))).not.toContain('.');
  });

  it('compiles every folder the TypeScript project includes', () => {
    const build = stages.find((s) => s.instructions.some((i) => i.op === 'RUN' && /tsc -p tsconfig\.json/.test(i.args)))!;
    const copied = ops(build, 'COPY').flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    const include: string[] = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')).include;
    for (const path of include) expect(copied.some((c) => path === c || path.startsWith(`${c}/`)), path).toBe(true);
  });

  it('starts with the same default as npm start', () => {
    const entry = execForm(ops(runtime, 'ENTRYPOINT').at(-1)!.args);
    const cmd = execForm(ops(runtime, 'CMD').at(-1)!.args);
    const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start as string;
    expect([...entry, ...cmd].join(' ')).toBe(start);
  });

  it('keeps local state and build output out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.bench-cache', 'bench/results', '.git', 'data']) expect(ignored).toContain(entry);
  });
});

describe('deploy/docker-compose.yml', () => {
  const compose = parseYaml(readFileSync(join(ROOT, 'deploy/docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { command?: string[]; healthcheck?: { test?: string[] }; depends_on?: Record<string, { condition?: string }> }>;
  };
  const services = Object.entries(compose.services);

  it('gives every service a healthcheck', () => {
    expect(services.length).toBeGreaterThanOrEqual(5);
    for (const [name, service] of services) {
      expect(service.healthcheck?.test, name).toBeDefined();
      expect(service.healthcheck!.test![0], name).toMatch(/^CMD(-SHELL)?$/);
    }
  });

  it('starts a service only once what it depends on is healthy', () => {
    const dependents = services.filter(([, s]) => s.depends_on);
    expect(dependents.map(([n]) => n).sort()).toEqual(['query', 'receiver', 'worker']);
    for (const [name, service] of dependents) {
      expect(Array.isArray(service.depends_on), `${name}: depends_on needs conditions`).toBe(false);
      for (const [dep, spec] of Object.entries(service.depends_on!)) {
        expect(compose.services[dep], `${name} → ${dep}`).toBeDefined();
        expect(spec.condition, `${name} → ${dep}`).toBe('service_healthy');
      }
    }
  });

  it("probes each role with the image's healthcheck for that role", () => {
    const roles = services.filter(([, s]) => s.command && ['all', 'receiver', 'worker', 'query'].includes(s.command[0]));
    expect(roles.map(([n]) => n).sort()).toEqual(['query', 'receiver', 'worker']);
    for (const [name, service] of roles) {
      expect(service.healthcheck!.test, name).toEqual(['CMD', 'node', 'dist/cli/healthcheck.js', service.command![0]]);
    }
  });
});
