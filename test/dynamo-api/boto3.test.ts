// Issue #4: a second SDK works unchanged - a small boto3 script (Debian `python3-boto3`).
// Skipped when no python3 with boto3 is installed; CI installs python3-boto3.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamo, type TestDynamo } from './helpers.js';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'boto3', 'smoke.py');

/** The first python3 that imports boto3: Debian's /usr/bin/python3 first (pyenv shims may hide it). */
function pythonWithBoto3(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import boto3'], { encoding: 'utf8' });
    if (r.status === 0) return python;
  }
  return undefined;
}

const python = pythonWithBoto3();

describe.skipIf(python === undefined)('boto3 (python3-boto3)', () => {
  let d: TestDynamo;
  beforeAll(async () => {
    d = await startDynamo({ shards: 2 });
  });
  afterAll(async () => d.close());

  it('runs the boto3 smoke script', async () => {
    // Async spawn: the server runs in this process and must keep answering.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(python!, [script, d.endpoint], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
      child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
      child.on('exit', (status) => resolve({ status, stdout, stderr }));
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('OK');
  });
});
