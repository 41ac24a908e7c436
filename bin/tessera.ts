#!/usr/bin/env node
// The `tessera` command line (DESIGN.md §6).

import { createRequire } from 'node:module';
import { parseStartArgs, startUsage, UsageError } from './config.js';
import { status } from './status.js';
import { runSupervisor } from './supervisor.js';

const usage = `usage: tessera <command> [flags]
commands:
  start      run a node (tessera start --help for its flags)
  status     print the ring of the node at --host/--admin-port (default 127.0.0.1:9180)
  version    print the version
  help       print this help`;

function version(): string {
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      const config = parseStartArgs(rest);
      if (config === 'help') {
        process.stdout.write(startUsage + '\n');
        return;
      }
      await runSupervisor(config);
      return;
    }
    case 'status':
      process.stdout.write(await status(rest));
      return;
    case 'version':
    case '--version':
      process.stdout.write(`tessera ${version()}\n`);
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage + '\n');
      return;
    default:
      throw new UsageError(`unknown command "${command}" (see tessera help)`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError) {
    process.stderr.write(`tessera: error: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`tessera: internal error: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
