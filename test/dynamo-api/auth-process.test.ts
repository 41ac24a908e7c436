// Issue #4, "Auth": `tessera start --auth FILE` verifies SigV4 signatures on the Dynamo port
// of every shard process; without it any credentials pass. Real server, real AWS SDK.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, tempDir, TesseraProcess } from '../helpers/tessera.js';
import { ensureBuilt } from './helpers.js';

function client(endpoint: string, accessKeyId: string, secretAccessKey: string, systemClockOffset = 0): DynamoDBClient {
  // One attempt: the SDK would otherwise correct its clock from the answer and retry.
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1, systemClockOffset });
}

async function errorOf(c: DynamoDBClient): Promise<{ name: string; message: string }> {
  try {
    await c.send(new ListTablesCommand({}));
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  } finally {
    c.destroy();
  }
  throw new Error('the request succeeded');
}

describe('tessera start --auth', () => {
  let node: TesseraProcess;
  const dataDir = tempDir();
  const keysFile = path.join(tempDir(), 'keys.json');

  beforeAll(async () => {
    ensureBuilt();
    fs.writeFileSync(keysFile, JSON.stringify({ AKIDGOOD: 'good-secret', AKIDOTHER: 'other-secret' }));
    node = await TesseraProcess.start({ dataDir, shards: 2, extraArgs: ['--auth', keysFile] });
  }, 120_000);
  afterAll(async () => {
    await node?.kill9();
  });

  it('accepts requests signed with a configured key, on every shard process', async () => {
    // Several connections, so both shard processes answer some of them.
    const clients = Array.from({ length: 8 }, (_, i) => client(node.dynamoEndpoint, i % 2 ? 'AKIDGOOD' : 'AKIDOTHER', i % 2 ? 'good-secret' : 'other-secret'));
    const answers = await Promise.all(clients.map((c) => c.send(new ListTablesCommand({}))));
    for (const c of clients) c.destroy();
    for (const a of answers) expect(a.TableNames).toEqual([]);
  });

  it('an unknown access key is UnrecognizedClientException', async () => {
    const e = await errorOf(client(node.dynamoEndpoint, 'AKIDNOBODY', 'good-secret'));
    expect(e.name).toBe('UnrecognizedClientException');
    expect(e.message).toBe('The security token included in the request is invalid.');
  });

  it('a wrong secret is InvalidSignatureException', async () => {
    const e = await errorOf(client(node.dynamoEndpoint, 'AKIDGOOD', 'wrong-secret'));
    expect(e.name).toBe('InvalidSignatureException');
    expect(e.message).toMatch(/^The request signature we calculated does not match the signature you provided\./);
  });

  it('a date more than 15 minutes old is InvalidSignatureException "Signature expired"', async () => {
    const e = await errorOf(client(node.dynamoEndpoint, 'AKIDGOOD', 'good-secret', -20 * 60 * 1000));
    expect(e.name).toBe('InvalidSignatureException');
    expect(e.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
  });

  it('a date more than 15 minutes ahead is InvalidSignatureException "Signature not yet current"', async () => {
    const e = await errorOf(client(node.dynamoEndpoint, 'AKIDGOOD', 'good-secret', 20 * 60 * 1000));
    expect(e.name).toBe('InvalidSignatureException');
    expect(e.message).toMatch(/^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/);
  });

  it('no signature at all is MissingAuthenticationTokenException', async () => {
    const r = await fetch(node.dynamoEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' }, body: '{}' });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { __type: string }).__type).toMatch(/#MissingAuthenticationTokenException$/);
  });
});

/** boto3 (a second SDK, its own SigV4 signer) against the node: each key's outcome, as JSON. */
const BOTO3_SCRIPT = `
import json, sys, boto3, botocore.config, botocore.exceptions
out = []
for key, secret in [('AKIDGOOD', 'good-secret'), ('AKIDNOBODY', 'good-secret'), ('AKIDGOOD', 'wrong-secret')]:
    c = boto3.client('dynamodb', endpoint_url=sys.argv[1], region_name='eu-west-1', aws_access_key_id=key,
                     aws_secret_access_key=secret, config=botocore.config.Config(retries={'total_max_attempts': 1}))
    try:
        c.list_tables()
        out.append('ok')
    except botocore.exceptions.ClientError as e:
        out.append(e.response['Error']['Code'])
print(json.dumps(out))
`;

function pythonWithBoto3(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(python, ['-c', 'import boto3'], { encoding: 'utf8' }).status === 0) return python;
  }
  return undefined;
}

describe.skipIf(pythonWithBoto3() === undefined)('tessera start --auth with boto3', () => {
  it('accepts a configured key and refuses unknown keys and wrong secrets', async () => {
    ensureBuilt();
    const dir = tempDir();
    const keys = path.join(dir, 'keys.json');
    fs.writeFileSync(keys, JSON.stringify({ AKIDGOOD: 'good-secret' }));
    const node = await TesseraProcess.start({ dataDir: tempDir(), shards: 1, extraArgs: ['--auth', keys] });
    try {
      const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(pythonWithBoto3()!, ['-c', BOTO3_SCRIPT, node.dynamoEndpoint], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
        child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
        child.on('exit', (status) => resolve({ status, stdout, stderr }));
      });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(['ok', 'UnrecognizedClientException', 'InvalidSignatureException']);
    } finally {
      await node.kill9();
    }
  }, 120_000);
});

describe('tessera start without --auth', () => {
  it('accepts any credentials', async () => {
    ensureBuilt();
    const node = await TesseraProcess.start({ dataDir: tempDir(), shards: 1 });
    try {
      const c = client(node.dynamoEndpoint, 'anything', 'at-all');
      expect((await c.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      c.destroy();
    } finally {
      await node.kill9();
    }
  }, 120_000);
});

describe('tessera start --auth with a bad file', () => {
  const cases: [string, string | undefined, RegExp][] = [
    ['missing file', undefined, /^tessera: error: --auth: cannot read .*missing\.json: ENOENT$/],
    ['not JSON', 'AKID:secret', /^tessera: error: --auth: .* is not JSON; expected \{"<access key id>": "<secret access key>", \.\.\.\}$/],
    ['an array', '[["AKID", "secret"]]', /^tessera: error: --auth: .* must hold a JSON object/],
    ['no keys', '{}', /^tessera: error: --auth: .* holds no keys; every request would be refused$/],
    ['a bad key id', '{"AK ID": "s"}', /^tessera: error: --auth: .*: access key id "AK ID" must be 1 to 128 letters, digits or underscores$/],
    ['an empty secret', '{"AKID": ""}', /^tessera: error: --auth: .*: the secret of AKID must be a non-empty string$/],
    ['a number secret', '{"AKID": 5}', /^tessera: error: --auth: .*: the secret of AKID must be a non-empty string$/],
  ];
  for (const [what, content, expected] of cases) {
    it(`${what}: one line, exit 2, nothing written`, async () => {
      ensureBuilt();
      const dir = tempDir();
      const file = path.join(dir, content === undefined ? 'missing.json' : 'keys.json');
      if (content !== undefined) fs.writeFileSync(file, content);
      const dataDir = tempDir();
      const r = runCli(['start', '--data', dataDir, '--admin-port', String(await freePort()), '--auth', file]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(expected);
      expect(fs.readdirSync(dataDir)).toEqual([]);
    });
  }

  it('is listed in tessera start --help', () => {
    ensureBuilt();
    const r = runCli(['start', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--auth FILE\s+verify SigV4 signatures/);
  });
});
