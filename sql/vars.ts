// Session variables (GUCs) that SET / SHOW / RESET and current_setting() see. Values
// are kept as PostgreSQL prints them. Variables marked `report` are sent to the client
// as ParameterStatus when they change (GUC_REPORT in PostgreSQL).

import { SqlError, SqlState } from './errors.js';

interface VarDef {
  value: string;
  report?: boolean;
  readOnly?: boolean;
  /** Normalises and validates a new value; throws SqlError. */
  check?: (v: string) => string;
  description: string;
}

export const SERVER_VERSION = '15.20 (Tessera 0.1)';
export const SERVER_VERSION_NUM = '150020';

function onOff(name: string): (v: string) => string {
  return (v) => {
    const s = v.toLowerCase();
    if (['on', 'true', 'yes', '1'].includes(s)) return 'on';
    if (['off', 'false', 'no', '0'].includes(s)) return 'off';
    throw new SqlError(SqlState.invalidParameterValue, `parameter "${name}" requires a Boolean value`);
  };
}

const UTC_NAMES = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'z', 'zulu', 'universal', 'etc/universal', 'uct', 'etc/uct', '+00', '+00:00', '0', 'utc0', 'gmt0', 'greenwich']);

function defaults(): Map<string, VarDef> {
  const m = new Map<string, VarDef>();
  const add = (name: string, d: VarDef): void => {
    m.set(name, d);
  };
  add('server_version', { value: SERVER_VERSION, report: true, readOnly: true, description: 'Shows the server version.' });
  add('server_version_num', { value: SERVER_VERSION_NUM, readOnly: true, description: 'Shows the server version as an integer.' });
  add('server_encoding', { value: 'UTF8', report: true, readOnly: true, description: 'Shows the server (database) character set encoding.' });
  add('client_encoding', {
    value: 'UTF8', report: true, description: 'Sets the client\'s character set encoding.',
    check: (v) => {
      const s = v.toUpperCase().replace(/[-_]/g, '');
      if (s === 'UTF8' || s === 'UNICODE') return 'UTF8';
      throw new SqlError(SqlState.featureNotSupported, `client_encoding "${v}" is not supported; only UTF8 is`);
    },
  });
  add('datestyle', {
    value: 'ISO, MDY', report: true, description: 'Sets the display format for date and time values.',
    check: (v) => {
      const parts = v.split(',').map((x) => x.trim().toUpperCase());
      if (parts.some((p) => ['SQL', 'POSTGRES', 'GERMAN'].includes(p))) throw new SqlError(SqlState.featureNotSupported, `DateStyle "${v}" is not supported; only ISO output is`);
      const order = parts.find((p) => ['MDY', 'DMY', 'YMD', 'US', 'EUROPEAN', 'NONEURO', 'NONEUROPEAN'].includes(p));
      return `ISO, ${order === 'DMY' || order === 'EUROPEAN' ? 'DMY' : order === 'YMD' ? 'YMD' : 'MDY'}`;
    },
  });
  add('intervalstyle', {
    value: 'postgres', report: true, description: 'Sets the display format for interval values.',
    check: (v) => {
      if (v.toLowerCase() !== 'postgres') throw new SqlError(SqlState.featureNotSupported, `IntervalStyle "${v}" is not supported`);
      return 'postgres';
    },
  });
  add('timezone', {
    value: 'Etc/UTC', report: true, description: 'Sets the time zone for displaying and interpreting time stamps.',
    check: (v) => {
      if (UTC_NAMES.has(v.toLowerCase())) return v.toLowerCase() === 'utc' ? 'UTC' : v;
      throw new SqlError(SqlState.featureNotSupported, `time zone "${v}" is not supported; Tessera sessions run in UTC`);
    },
  });
  add('integer_datetimes', { value: 'on', report: true, readOnly: true, description: 'Shows whether datetimes are integer based.' });
  add('standard_conforming_strings', {
    value: 'on', report: true, description: 'Causes \'...\' strings to treat backslashes literally.',
    check: (v) => {
      if (onOff('standard_conforming_strings')(v) !== 'on') throw new SqlError(SqlState.featureNotSupported, 'standard_conforming_strings = off is not supported');
      return 'on';
    },
  });
  add('application_name', { value: '', report: true, description: 'Sets the application name to be reported in statistics and logs.' });
  add('is_superuser', { value: 'on', report: true, readOnly: true, description: 'Shows whether the current user is a superuser.' });
  add('session_authorization', { value: 'postgres', report: true, readOnly: true, description: 'Sets the session user name.' });
  add('default_transaction_read_only', { value: 'off', report: true, check: onOff('default_transaction_read_only'), description: 'Sets the default read-only status of new transactions.' });
  add('in_hot_standby', { value: 'off', report: true, readOnly: true, description: 'Shows whether hot standby is currently active.' });
  add('search_path', { value: '"$user", public', description: 'Sets the schema search order for names that are not schema-qualified.' });
  add('transaction_isolation', { value: 'read committed', description: 'Sets the current transaction\'s isolation level.' });
  add('default_transaction_isolation', { value: 'read committed', description: 'Sets the transaction isolation level of each new transaction.' });
  add('transaction_read_only', { value: 'off', description: 'Sets the current transaction\'s read-only status.' });
  add('extra_float_digits', { value: '1', description: 'Sets the number of digits displayed for floating-point values.' });
  add('statement_timeout', { value: '0', description: 'Sets the maximum allowed duration of any statement.' });
  add('lock_timeout', { value: '0', description: 'Sets the maximum allowed duration of any wait for a lock.' });
  add('idle_in_transaction_session_timeout', { value: '0', description: 'Sets the maximum allowed idle time between queries, when in a transaction.' });
  add('client_min_messages', { value: 'notice', description: 'Sets the message levels that are sent to the client.' });
  add('synchronous_commit', { value: 'on', description: 'Sets the current transaction\'s synchronization level.' });
  add('max_identifier_length', { value: '63', readOnly: true, description: 'Shows the maximum identifier length.' });
  add('max_connections', { value: '100', readOnly: true, description: 'Sets the maximum number of concurrent connections.' });
  add('lc_collate', { value: 'C', readOnly: true, description: 'Shows the collation order locale.' });
  add('lc_ctype', { value: 'C', readOnly: true, description: 'Shows the character classification and case conversion locale.' });
  add('lc_messages', { value: 'C', description: 'Sets the language in which messages are displayed.' });
  add('lc_monetary', { value: 'C', description: 'Sets the locale for formatting monetary amounts.' });
  add('lc_numeric', { value: 'C', description: 'Sets the locale for formatting numbers.' });
  add('lc_time', { value: 'C', description: 'Sets the locale for formatting date and time values.' });
  add('bytea_output', {
    value: 'hex', description: 'Sets the output format for bytea.',
    check: (v) => {
      if (v.toLowerCase() !== 'hex') throw new SqlError(SqlState.featureNotSupported, 'bytea_output = escape is not supported');
      return 'hex';
    },
  });
  add('password_encryption', {
    value: 'scram-sha-256', description: 'Chooses the algorithm for encrypting passwords.',
    check: (v) => {
      const s = v.toLowerCase();
      if (s === 'md5' || s === 'scram-sha-256') return s;
      throw new SqlError(SqlState.invalidParameterValue, `invalid value for parameter "password_encryption": "${v}"`);
    },
  });
  add('row_security', { value: 'on', check: onOff('row_security'), description: 'Enable row security.' });
  add('work_mem', { value: '4MB', description: 'Sets the maximum memory to be used for query workspaces.' });
  add('maintenance_work_mem', { value: '64MB', description: 'Sets the maximum memory to be used for maintenance operations.' });
  add('jit', { value: 'off', check: onOff('jit'), description: 'Allow JIT compilation.' });
  add('enable_seqscan', { value: 'on', check: onOff('enable_seqscan'), description: 'Enables the planner\'s use of sequential-scan plans.' });
  add('tessera.consistency', {
    value: 'one', description: 'Consistency level of reads and writes (one, quorum, all).',
    check: (v) => {
      const s = v.toLowerCase();
      if (s === 'one') return s;
      if (s === 'quorum' || s === 'all') return s; // single node: every level is met by one replica
      throw new SqlError(SqlState.invalidParameterValue, `invalid value for parameter "tessera.consistency": "${v}"`);
    },
  });
  return m;
}

const ALIASES: Record<string, string> = { time_zone: 'timezone', names: 'client_encoding' };

export class SessionVars {
  private readonly defs = defaults();
  private readonly values = new Map<string, string>();

  constructor(initial: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(initial)) {
      const name = this.canonical(k);
      if (this.defs.has(name)) this.values.set(name, v);
    }
  }

  private canonical(name: string): string {
    const n = name.toLowerCase();
    return ALIASES[n] ?? n;
  }

  /** Value as SHOW prints it; undefined for unknown variables. */
  get(name: string): string | undefined {
    const n = this.canonical(name);
    if (this.values.has(n)) return this.values.get(n);
    const d = this.defs.get(n);
    if (d) return d.value;
    if (n.includes('.')) return this.values.get(n); // custom placeholder variables (a.b)
    return undefined;
  }

  /** Sets a variable; returns the reported (ParameterStatus) change if any. */
  set(name: string, raw: string | undefined): { name: string; value: string } | undefined {
    const n = this.canonical(name);
    const d = this.defs.get(n);
    if (!d) {
      if (n.includes('.')) {
        if (raw === undefined) this.values.delete(n);
        else this.values.set(n, raw);
        return undefined;
      }
      throw new SqlError(SqlState.undefinedObject, `unrecognized configuration parameter "${name}"`);
    }
    if (d.readOnly) throw new SqlError(SqlState.cantChangeRuntimeParam, `parameter "${name}" cannot be changed`);
    const value = raw === undefined ? d.value : d.check ? d.check(raw) : raw;
    const before = this.get(n);
    this.values.set(n, value);
    if (d.report && before !== value) return { name: this.displayName(n), value };
    return undefined;
  }

  displayName(n: string): string {
    return ({ datestyle: 'DateStyle', intervalstyle: 'IntervalStyle', timezone: 'TimeZone' } as Record<string, string>)[n] ?? n;
  }

  /** Every variable with its description (SHOW ALL). */
  all(): [string, string, string][] {
    return [...this.defs.keys()].sort().map((k) => [k, this.get(k)!, this.defs.get(k)!.description]);
  }

  /** The values reported at connection start (ParameterStatus). */
  reported(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, d] of this.defs) if (d.report) out[this.displayName(k)] = this.get(k)!;
    return out;
  }

  searchPath(): string[] {
    return (this.get('search_path') ?? 'public').split(',').map((s) => s.trim().replace(/^"|"$/g, '')).filter(Boolean);
  }
}
