// A whole node in one process with the SQL layer on top, in a temp directory.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLocalNode, type LocalNode } from '../../engine/local-node.js';
import { ProcRegistry } from '../../engine/procs.js';
import { registerBuiltinProcs } from '../../engine/builtin-procs.js';
import { createSqlEngine, type SqlEngine } from '../../sql/index.js';

export interface SqlNode {
  node: LocalNode;
  sql: SqlEngine;
  dir: string;
  close(): Promise<void>;
}

export async function openSqlNode(shards: number, dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-sql-')), keep = false): Promise<SqlNode> {
  const procs = registerBuiltinProcs(new ProcRegistry());
  const node = await openLocalNode({ dir, shards, procs });
  const sql = createSqlEngine(node.engine, procs);
  return {
    node, sql, dir,
    close: async () => {
      await node.close({ flush: false });
      if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
