// One error type for the SQL layer: SqlError carries a PostgreSQL SQLSTATE, so
// wire/pg can send it as an ErrorResponse unchanged. Codes come from PostgreSQL's
// errcodes.txt; only the ones Tessera raises are listed, and sql/README.md documents
// every one (test/sql/errors.test.ts fails when one is missing there).

export const SqlState = {
  successfulCompletion: '00000',
  warning: '01000',
  featureNotSupported: '0A000',
  cardinalityViolation: '21000',
  stringDataRightTruncation: '22001',
  numericValueOutOfRange: '22003',
  nullValueNotAllowed: '22004',
  invalidDatetimeFormat: '22007',
  datetimeFieldOverflow: '22008',
  divisionByZero: '22012',
  substringError: '22011',
  invalidRowCountInLimitClause: '2201W',
  invalidParameterValue: '22023',
  invalidRegularExpression: '2201B',
  invalidArgumentForPowerFunction: '2201F',
  invalidTextRepresentation: '22P02',
  invalidBinaryRepresentation: '22P03',
  invalidEscapeSequence: '22025',
  arraySubscriptError: '2202E',
  notNullViolation: '23502',
  uniqueViolation: '23505',
  checkViolation: '23514',
  invalidCursorState: '24000',
  activeSqlTransaction: '25001',
  noActiveSqlTransaction: '25P01',
  inFailedSqlTransaction: '25P02',
  invalidTransactionState: '25000',
  invalidSavepointSpecification: '3B001',
  invalidCursorName: '34000',
  syntaxError: '42601',
  insufficientPrivilege: '42501',
  undefinedColumn: '42703',
  undefinedFunction: '42883',
  undefinedTable: '42P01',
  undefinedObject: '42704',
  reservedName: '42939',
  dependentObjectsStillExist: '2BP01',
  invalidSchemaName: '3F000',
  undefinedSchema: '3F000',
  undefinedParameter: '42P02',
  duplicateColumn: '42701',
  duplicateCursor: '42P03',
  duplicateTable: '42P07',
  duplicateObject: '42710',
  duplicateAlias: '42712',
  ambiguousColumn: '42702',
  ambiguousFunction: '42725',
  datatypeMismatch: '42804',
  cannotCoerce: '42846',
  groupingError: '42803',
  windowingError: '42P20',
  invalidColumnReference: '42P10',
  invalidTableDefinition: '42P16',
  invalidRecursion: '42P19',
  indeterminateDatatype: '42P18',
  wrongObjectType: '42809',
  invalidParameterCount: '08P01',
  programLimitExceeded: '54000',
  objectNotInPrerequisiteState: '55000',
  cantChangeRuntimeParam: '55P02',
  queryCanceled: '57014',
  protocolViolation: '08P01',
  badCopyFileFormat: '22P04',
  internalError: 'XX000',
} as const;

export type SqlStateCode = (typeof SqlState)[keyof typeof SqlState];

export interface SqlErrorFields {
  /** 1-based character position in the statement text, as PostgreSQL reports it. */
  position?: number;
  detail?: string;
  hint?: string;
  /** ERROR unless said otherwise; FATAL is for the wire layer. */
  severity?: 'ERROR' | 'FATAL';
  table?: string;
  column?: string;
  constraint?: string;
}

/** An expected failure of a statement: a SQLSTATE, a PostgreSQL-style message, optional fields. */
export class SqlError extends Error {
  override readonly name = 'SqlError';
  readonly position?: number;
  readonly detail?: string;
  readonly hint?: string;
  readonly severity: 'ERROR' | 'FATAL';
  readonly table?: string;
  readonly column?: string;
  readonly constraint?: string;

  constructor(readonly code: SqlStateCode, message: string, fields: SqlErrorFields = {}) {
    super(message);
    this.position = fields.position;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.severity = fields.severity ?? 'ERROR';
    this.table = fields.table;
    this.column = fields.column;
    this.constraint = fields.constraint;
  }

  /** The same error with a position, unless it already has one. */
  at(position: number | undefined): SqlError {
    if (this.position !== undefined || position === undefined) return this;
    return new SqlError(this.code, this.message, { ...this.fields(), position });
  }

  fields(): SqlErrorFields {
    return { position: this.position, detail: this.detail, hint: this.hint, severity: this.severity, table: this.table, column: this.column, constraint: this.constraint };
  }

  /** Plain data, for crossing a process boundary inside a procedure result. */
  toData(): SqlErrorData {
    return { code: this.code, message: this.message, ...this.fields() };
  }

  static fromData(d: SqlErrorData): SqlError {
    const { code, message, ...fields } = d;
    return new SqlError(code, message, fields);
  }
}

export interface SqlErrorData extends SqlErrorFields {
  code: SqlStateCode;
  message: string;
}

// ---- named factories: one place for each message PostgreSQL users know ----

export const unsupported = (feature: string, position?: number): SqlError =>
  new SqlError(SqlState.featureNotSupported, `${feature} is not supported`, { position });

export const syntaxError = (near: string, position: number): SqlError =>
  new SqlError(SqlState.syntaxError, near === '' ? 'syntax error at end of input' : `syntax error at or near "${near}"`, { position });

export const undefinedTable = (name: string, position?: number): SqlError =>
  new SqlError(SqlState.undefinedTable, `relation "${name}" does not exist`, { position });

export const undefinedColumn = (name: string, position?: number): SqlError =>
  new SqlError(SqlState.undefinedColumn, `column "${name}" does not exist`, { position });

export const divisionByZero = (): SqlError => new SqlError(SqlState.divisionByZero, 'division by zero');

export const outOfRange = (type: string): SqlError => new SqlError(SqlState.numericValueOutOfRange, `${type} out of range`);

export const invalidInput = (type: string, text: string): SqlError =>
  new SqlError(SqlState.invalidTextRepresentation, `invalid input syntax for type ${type}: "${text}"`);

export const datatypeMismatch = (message: string, position?: number): SqlError =>
  new SqlError(SqlState.datatypeMismatch, message, { position });
