export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export interface ReadinessReport {
  status: 'ready' | 'unavailable';
  checks: Array<{ name: string; ok: true } | { name: string; ok: false; error: string }>;
}

/** Runs every check at once; ready only when all pass. Each failure names its check and error. */
export async function readiness(checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await check();
        return { name, ok: true as const };
      } catch (err) {
        return { name, ok: false as const, error: (err as Error).message };
      }
    }),
  );
  return { status: results.every((r) => r.ok) ? 'ready' : 'unavailable', checks: results };
}
