// types.ts against PostgreSQL 15.18 itself: every GOLDEN row is (type, input text, the text
// PostgreSQL printed for input::type, the hex of its binary send format); every ERRORS row is
// (type, input, SQLSTATE, message, detail) of the error PostgreSQL raised. They were captured
// with Parse/Bind/Execute against a PostgreSQL 15.18 server (TimeZone UTC, DateStyle ISO, MDY).
// Property tests then check round trips over random values.

import { readFileSync } from 'node:fs';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { PgError, PgType, decodeBinary, decodeText, encodeBinary, encodeText, type PgValue } from '../../wire/pg/index.js';

const OIDS: Record<string, number> = {
  int2: PgType.int2, int4: PgType.int4, int8: PgType.int8, float4: PgType.float4, float8: PgType.float8,
  numeric: PgType.numeric, bool: PgType.bool, text: PgType.text, varchar: PgType.varchar, bpchar: PgType.bpchar,
  name: PgType.name, bytea: PgType.bytea, date: PgType.date, timestamp: PgType.timestamp, timestamptz: PgType.timestamptz,
  uuid: PgType.uuid, json: PgType.json, jsonb: PgType.jsonb, oid: PgType.oid, 'int4[]': PgType._int4,
  'text[]': PgType._text, 'bool[]': PgType._bool, 'bytea[]': PgType._bytea, 'float8[]': PgType._float8,
  'numeric[]': PgType._numeric, 'date[]': PgType._date, 'varchar[]': PgType._varchar,
};

const GOLDEN: [string, string, string, string][] = [
  ["int2","0","0","0000"],
  ["int2","-32768","-32768","8000"],
  ["int2"," 32767 ","32767","7fff"],
  ["int4","-2147483648","-2147483648","80000000"],
  ["int4","+7","7","00000007"],
  ["int8","-9223372036854775808","-9223372036854775808","8000000000000000"],
  ["int8","9223372036854775807","9223372036854775807","7fffffffffffffff"],
  ["float4","0.1","0.1","3dcccccd"],
  ["float4","1","1","3f800000"],
  ["float4","-0","-0","80000000"],
  ["float4","1e10","1e+10","501502f9"],
  ["float4","16777216","1.6777216e+07","4b800000"],
  ["float4","3.4028235e38","3.4028235e+38","7f7fffff"],
  ["float4","1.17549435e-38","1.1754944e-38","00800000"],
  ["float4","1e-45","1e-45","00000001"],
  ["float4","NaN","NaN","7fc00000"],
  ["float4","Infinity","Infinity","7f800000"],
  ["float4","-Infinity","-Infinity","ff800000"],
  ["float4","0.333333343","0.33333334","3eaaaaab"],
  ["float4","100000","100000","47c35000"],
  ["float4","123456","123456","47f12000"],
  ["float4","1234567","1.234567e+06","4996b438"],
  ["float4","0.0001","0.0001","38d1b717"],
  ["float4","0.00001","1e-05","3727c5ac"],
  ["float4","8388608","8.388608e+06","4b000000"],
  ["float4","2.5e-5","2.5e-05","37d1b717"],
  ["float4","9.999999e-5","9.999999e-05","38d1b716"],
  ["float4","1.0000001","1.0000001","3f800001"],
  ["float4","33554432","3.3554432e+07","4c000000"],
  ["float4","0.7","0.7","3f333333"],
  // Ryu ties to even and keeps both interval ends open; JavaScript's shortest does neither.
  ["float4","-60.2265625","-60.226562","c270e800"],
  ["float4","191905792","1.9190579e+08","4d370400"],
  ["float4","2.84765625","2.8476562","40364000"],
  ["float8","31621967360964610","3.1621967360964608e+16","435c1600c0e98e00"],
  ["float8","0.1","0.1","3fb999999999999a"],
  ["float8","1e15","1e+15","430c6bf526340000"],
  ["float8","1e14","100000000000000","42d6bcc41e900000"],
  ["float8","123456789012345","123456789012345","42dc12218377de40"],
  ["float8","0.0001","0.0001","3f1a36e2eb1c432d"],
  ["float8","0.00001","1e-05","3ee4f8b588e368f1"],
  ["float8","1e-310","1e-310","000012688b70e62b"],
  ["float8","1.7976931348623157e308","1.7976931348623157e+308","7fefffffffffffff"],
  ["float8","5e-324","5e-324","0000000000000001"],
  ["float8","-0","-0","8000000000000000"],
  ["float8","NaN","NaN","7ff8000000000000"],
  ["float8","-Infinity","-Infinity","fff0000000000000"],
  ["float8","3.141592653589793","3.141592653589793","400921fb54442d18"],
  ["float8","100","100","4059000000000000"],
  ["float8","1e22","1e+22","4480f0cf064dd592"],
  ["float8","2.2250738585072014e-308","2.2250738585072014e-308","0010000000000000"],
  ["float8","0.30000000000000004","0.30000000000000004","3fd3333333333334"],
  ["float8","1e21","1e+21","444b1ae4d6e2ef50"],
  ["float8","123456789012345678","1.2345678901234568e+17","437b69b4ba630f35"],
  ["float8","-1.5e-7","-1.5e-07","be8421f5f40d8376"],
  ["float8","999999999999999.9","999999999999999.9","430c6bf52633ffff"],
  ["float8","0x1p-3","0.125","3fc0000000000000"],
  ["numeric","0","0","0000000000000000"],
  ["numeric","1.50","1.50","000200000000000200011388"],
  ["numeric","-0.00","0.00","0000000000000002"],
  ["numeric","1e3","1000","000100000000000003e8"],
  ["numeric","1.5e-3","0.0015","0001ffff00000004000f"],
  ["numeric",".5","0.5","0001ffff000000011388"],
  ["numeric","NaN","NaN","00000000c0000000"],
  ["numeric","-inf","-Infinity","00000000f0000020"],
  ["numeric","Infinity","Infinity","00000000d0000020"],
  ["numeric","00012.3400","12.3400","0002000000000004000c0d48"],
  ["numeric","123456789012345678901234567890.123456789","123456789012345678901234567890.123456789","000b000700000009000c0d801ed204d2162e23340d801ed204d2162e2328"],
  ["numeric","-0.0000001","-0.0000001","0001fffe40000007000a"],
  ["numeric","10000","10000","00010001000000000001"],
  ["numeric","9999.9999","9999.9999","0002000000000004270f270f"],
  ["numeric","1e-20","0.00000000000000000001","0001fffb000000140001"],
  ["numeric","-123456789.000012","-123456789.000012","0005000240000006000109291a85000004b0"],
  ["numeric","12345678","12345678","000200010000000004d2162e"],
  ["bool","t","t","01"],
  ["bool","f","f","00"],
  ["bool","yes","t","01"],
  ["bool","OFF","f","00"],
  ["bool"," 1 ","t","01"],
  ["text","hello","hello","68656c6c6f"],
  ["text","é中文😀","é中文😀","c3a9e4b8ade69687f09f9880"],
  ["text","","",""],
  ["varchar","abc","abc","616263"],
  ["bpchar","ab  ","ab  ","61622020"],
  ["name","pg_class","pg_class","70675f636c617373"],
  ["bytea","\\x0001ff","\\x0001ff","0001ff"],
  ["bytea","abc","\\x616263","616263"],
  ["bytea","a\\\\b\\001","\\x615c6201","615c6201"],
  ["bytea","","\\x",""],
  ["bytea","\\x 01 02","\\x0102","0102"],
  ["date","2024-01-02","2024-01-02","0000223f"],
  ["date","0001-01-01","0001-01-01","fff4dbf9"],
  ["date","2024-01-02 BC","2024-01-02 BC","ffe99447"],
  ["date","infinity","infinity","7fffffff"],
  ["date","-infinity","-infinity","80000000"],
  ["date","10000-01-01","10000-01-01","002c95d4"],
  ["date","4714-11-24 BC","4714-11-24 BC","ffda97a7"],
  ["date","5874897-12-31","5874897-12-31","7fda970c"],
  ["date","1970-01-01","1970-01-01","ffffd533"],
  ["date","2000-01-01","2000-01-01","00000000"],
  ["date","1999-12-31","1999-12-31","ffffffff"],
  ["date","2024-02-29","2024-02-29","00002279"],
  ["date","20240102","2024-01-02","0000223f"],
  ["date","epoch","1970-01-01","ffffd533"],
  ["date","2024-01-02 03:04:05","2024-01-02","0000223f"],
  ["timestamp","2024-01-02 03:04:05.123456","2024-01-02 03:04:05.123456","0002b0ec8517d580"],
  ["timestamp","2000-01-01 00:00:00","2000-01-01 00:00:00","0000000000000000"],
  ["timestamp","1969-12-31 23:59:59.999999","1969-12-31 23:59:59.999999","fffca2fec4c81fff"],
  ["timestamp","0001-01-01 00:00:00 BC","0001-01-01 00:00:00 BC","ff1fc63d1bb12000"],
  ["timestamp","infinity","infinity","7fffffffffffffff"],
  ["timestamp","-infinity","-infinity","8000000000000000"],
  ["timestamp","2024-01-02 03:04:05.1","2024-01-02 03:04:05.1","0002b0ec851779e0"],
  ["timestamp","1900-01-01 12:00","1900-01-01 12:00:00","fff4c9f88af73000"],
  ["timestamp","2024-01-02T03:04:05+05:30","2024-01-02 03:04:05","0002b0ec8515f340"],
  ["timestamp","2024-01-02 23:59:60","2024-01-03 00:00:00","0002b0fe10980000"],
  ["timestamp","2024-01-02 24:00:00","2024-01-03 00:00:00","0002b0fe10980000"],
  ["timestamp","2024-1-2 3:4:5","2024-01-02 03:04:05","0002b0ec8515f340"],
  ["timestamp","2024-01-02 03:04:05.1234567","2024-01-02 03:04:05.123457","0002b0ec8517d581"],
  ["timestamp","2024-01-02","2024-01-02 00:00:00","0002b0e9f2c0a000"],
  ["timestamptz","2024-01-02 03:04:05+00","2024-01-02 03:04:05+00","0002b0ec8515f340"],
  ["timestamptz","2024-01-02T03:04:05.5+05:30","2024-01-01 21:34:05.5+00","0002b0e7e8f18e60"],
  ["timestamptz","2024-01-02 03:04:05-08","2024-01-02 11:04:05+00","0002b0f339b31340"],
  ["timestamptz","epoch","1970-01-01 00:00:00+00","fffca2fec4c82000"],
  ["timestamptz","1999-12-31 23:59:59.999999+00","1999-12-31 23:59:59.999999+00","ffffffffffffffff"],
  ["timestamptz","2024-01-02 03:04:05 +0530","2024-01-01 21:34:05+00","0002b0e7e8e9ed40"],
  ["timestamptz","2024-01-02 03:04:05Z","2024-01-02 03:04:05+00","0002b0ec8515f340"],
  ["timestamptz","2024-01-02 03:04:05 UTC","2024-01-02 03:04:05+00","0002b0ec8515f340"],
  ["timestamptz","2024-01-02T03:04:05.5+05:30:10","2024-01-01 21:33:55.5+00","0002b0e7e858f7e0"],
  ["timestamptz","0001-01-01 00:00:00+00 BC","0001-01-01 00:00:00+00 BC","ff1fc63d1bb12000"],
  ["timestamptz","2024-01-02","2024-01-02 00:00:00+00","0002b0e9f2c0a000"],
  ["uuid","A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11","a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","a0eebc999c0b4ef8bb6d6bb9bd380a11"],
  ["uuid","{a0eebc999c0b4ef8bb6d6bb9bd380a11}","a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","a0eebc999c0b4ef8bb6d6bb9bd380a11"],
  ["uuid","a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11","a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","a0eebc999c0b4ef8bb6d6bb9bd380a11"],
  ["json","{\"b\":1,\"a\":2}","{\"b\":1,\"a\":2}","7b2262223a312c2261223a327d"],
  ["json"," [1, 2] "," [1, 2] ","205b312c20325d20"],
  ["jsonb","{\"b\":1,\"a\":2,\"b\":3}","{\"a\": 2, \"b\": 3}","017b2261223a20322c202262223a20337d"],
  ["jsonb","[1.0e2, -0, \"\\u00e9\\n\\u0001\"]","[100, 0, \"é\\n\\u0001\"]","015b3130302c20302c2022c3a95c6e5c7530303031225d"],
  ["jsonb","{\"aaa\":1,\"b\":2,\"ab\":3}","{\"b\": 2, \"ab\": 3, \"aaa\": 1}","017b2262223a20322c20226162223a20332c2022616161223a20317d"],
  ["jsonb","null","null","016e756c6c"],
  ["jsonb","\"x\"","\"x\"","01227822"],
  ["jsonb","{\"a\":{\"c\":[],\"b\":{}}}","{\"a\": {\"b\": {}, \"c\": []}}","017b2261223a207b2262223a207b7d2c202263223a205b5d7d7d"],
  ["jsonb"," {\"é\":true,\"z\":false} ","{\"z\": false, \"é\": true}","017b227a223a2066616c73652c2022c3a9223a20747275657d"],
  ["jsonb","\"\\ud83d\\ude00\"","\"😀\"","0122f09f988022"],
  ["oid","0","0","00000000"],
  ["oid","4294967295","4294967295","ffffffff"],
  ["oid","-1","4294967295","ffffffff"],
  ["int4[]","{1,2,NULL}","{1,2,NULL}","000000010000000100000017000000030000000100000004000000010000000400000002ffffffff"],
  ["text[]","{\"a b\",\"\",NULL,\"NULL\",\"x\\\\y\",\"q\\\"\",\"{}\",\"a,b\"}","{\"a b\",\"\",NULL,\"NULL\",\"x\\\\y\",\"q\\\"\",\"{}\",\"a,b\"}","00000001000000010000001900000008000000010000000361206200000000ffffffff000000044e554c4c00000003785c79000000027122000000027b7d00000003612c62"],
  ["int4[]","{}","{}","000000000000000000000017"],
  ["int4[]","{{1,2},{3,4}}","{{1,2},{3,4}}","000000020000000000000017000000020000000100000002000000010000000400000001000000040000000200000004000000030000000400000004"],
  ["bool[]","{t,f}","{t,f}","000000010000000000000010000000020000000100000001010000000100"],
  ["bytea[]","{\"\\\\x01\"}","{\"\\\\x01\"}","00000001000000000000001100000001000000010000000101"],
  ["float8[]","{0.1,NaN}","{0.1,NaN}","0000000100000000000002bd0000000200000001000000083fb999999999999a000000087ff8000000000000"],
  ["numeric[]","{1.50,-2}","{1.50,-2}","0000000100000000000006a400000002000000010000000c0002000000000002000113880000000a00010000400000000002"],
  ["date[]","{2024-01-01}","{2024-01-01}","00000001000000000000043a0000000100000001000000040000223e"],
  ["text[]","{ a , b }","{a,b}","000000010000000000000019000000020000000100000001610000000162"],
  ["varchar[]","{x}","{x}","00000001000000000000041300000001000000010000000178"],
];

const ERRORS: [string, string, string, string, string | null][] = [
  ["int4","abc","22P02","invalid input syntax for type integer: \"abc\"",null],
  ["int4","99999999999","22003","value \"99999999999\" is out of range for type integer",null],
  ["int4","","22P02","invalid input syntax for type integer: \"\"",null],
  ["int4","1.5","22P02","invalid input syntax for type integer: \"1.5\"",null],
  ["int2","40000","22003","value \"40000\" is out of range for type smallint",null],
  ["int8","x","22P02","invalid input syntax for type bigint: \"x\"",null],
  ["int8","9223372036854775808","22003","value \"9223372036854775808\" is out of range for type bigint",null],
  ["float4","x","22P02","invalid input syntax for type real: \"x\"",null],
  ["float4","1e39","22003","\"1e39\" is out of range for type real",null],
  ["float4","1e-50","22003","\"1e-50\" is out of range for type real",null],
  ["float8","x","22P02","invalid input syntax for type double precision: \"x\"",null],
  ["float8","1e400","22003","\"1e400\" is out of range for type double precision",null],
  ["float8","1e-400","22003","\"1e-400\" is out of range for type double precision",null],
  ["float8","","22P02","invalid input syntax for type double precision: \"\"",null],
  ["numeric","x","22P02","invalid input syntax for type numeric: \"x\"",null],
  ["numeric","1.2.3","22P02","invalid input syntax for type numeric: \"1.2.3\"",null],
  ["bool","maybe","22P02","invalid input syntax for type boolean: \"maybe\"",null],
  ["bool","o","22P02","invalid input syntax for type boolean: \"o\"",null],
  ["bytea","\\xzz","22023","invalid hexadecimal digit: \"z\"",null],
  ["bytea","\\x123","22023","invalid hexadecimal data: odd number of digits",null],
  ["bytea","ab\\q","22P02","invalid input syntax for type bytea",null],
  ["uuid","x","22P02","invalid input syntax for type uuid: \"x\"",null],
  ["uuid","a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1","22P02","invalid input syntax for type uuid: \"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1\"",null],
  ["uuid","{a0eebc999c0b4ef8bb6d6bb9bd380a11","22P02","invalid input syntax for type uuid: \"{a0eebc999c0b4ef8bb6d6bb9bd380a11\"",null],
  ["date","x","22007","invalid input syntax for type date: \"x\"",null],
  ["date","2024-02-30","22008","date/time field value out of range: \"2024-02-30\"",null],
  ["date","0000-01-01","22008","date/time field value out of range: \"0000-01-01\"",null],
  ["date","4714-11-23 BC","22008","date out of range: \"4714-11-23 BC\"",null],
  ["date","5874898-01-01","22008","date out of range: \"5874898-01-01\"",null],
  ["timestamp","x","22007","invalid input syntax for type timestamp: \"x\"",null],
  ["timestamp","294277-01-01","22008","timestamp out of range: \"294277-01-01\"",null],
  ["timestamp","2024-01-02 24:00:01","22008","date/time field value out of range: \"2024-01-02 24:00:01\"",null],
  ["timestamp","2024-01-02 25:00","22008","date/time field value out of range: \"2024-01-02 25:00\"",null],
  ["timestamptz","x","22007","invalid input syntax for type timestamp with time zone: \"x\"",null],
  ["json","{x","22P02","invalid input syntax for type json","Token \"x\" is invalid."],
  ["jsonb","{\"a\":}","22P02","invalid input syntax for type json","Expected JSON value, but found \"}\"."],
  ["json","[1,2","22P02","invalid input syntax for type json","The input string ended unexpectedly."],
  ["json","\"abc","22P02","invalid input syntax for type json","Token \"\"abc\" is invalid."],
  ["jsonb","[1] x","22P02","invalid input syntax for type json","Token \"x\" is invalid."],
  ["jsonb","{\"a\" 1}","22P02","invalid input syntax for type json","Expected \":\", but found \"1\"."],
  ["jsonb","{\"a\":1 \"b\":2}","22P02","invalid input syntax for type json","Expected \",\" or \"}\", but found \"\"b\"\"."],
  ["jsonb","[1 2]","22P02","invalid input syntax for type json","Expected \",\" or \"]\", but found \"2\"."],
  ["jsonb","{1:2}","22P02","invalid input syntax for type json","Expected string or \"}\", but found \"1\"."],
  ["jsonb","\"\\u0000\"","22P05","unsupported Unicode escape sequence","\\u0000 cannot be converted to text."],
  ["jsonb","\"\\q\"","22P02","invalid input syntax for type json","Escape sequence \"\\q\" is invalid."],
  ["jsonb","01","22P02","invalid input syntax for type json","Token \"01\" is invalid."],
  ["jsonb","tru","22P02","invalid input syntax for type json","Token \"tru\" is invalid."],
  ["oid","x","22P02","invalid input syntax for type oid: \"x\"",null],
  ["oid","4294967296","22003","value \"4294967296\" is out of range for type oid",null],
  ["int4[]","1,2","22P02","malformed array literal: \"1,2\"","Array value must start with \"{\" or dimension information."],
  ["int4[]","{1,2","22P02","malformed array literal: \"{1,2\"","Unexpected end of input."],
  ["int4[]","{1,x}","22P02","invalid input syntax for type integer: \"x\"",null],
  ["int4[]","{{1},2}","22P02","malformed array literal: \"{{1},2}\"","Unexpected array element."],
  ["int4[]","{1} x","22P02","malformed array literal: \"{1} x\"","Junk after closing right brace."],  ["numeric","1e131072","22003","value overflows numeric format",null],
  ["numeric","1e-16384","22003","value overflows numeric format",null],
  ["numeric","1e2147483648","22003","value overflows numeric format",null],
  ["int4[]","{{1},{2,3}}","22P02","malformed array literal: \"{{1},{2,3}}\"","Multidimensional arrays must have sub-arrays with matching dimensions."],
  ["int4[]","{1,{2}}","22P02","malformed array literal: \"{1,{2}}\"","Unexpected \"{\" character."],
  ["jsonb","{\"a\":1,}","22P02","invalid input syntax for type json","Expected string, but found \"}\"."],
  ["jsonb","[1,]","22P02","invalid input syntax for type json","Expected JSON value, but found \"]\"."],
  ["jsonb","","22P02","invalid input syntax for type json","The input string ended unexpectedly."],
  ["jsonb","\"a\nb\"","22P02","invalid input syntax for type json","Character with value 0x0a must be escaped."],
  ["jsonb","\"\\ud83d\"","22P02","invalid input syntax for type json","Unicode low surrogate must follow a high surrogate."],
  ["jsonb","\"\\ude00\"","22P02","invalid input syntax for type json","Unicode low surrogate must follow a high surrogate."],
  ["jsonb","\"\\u12\"","22P02","invalid input syntax for type json","\"\\u\" must be followed by four hexadecimal digits."],
  ["int4[]","{}x","22P02","malformed array literal: \"{}x\"","Junk after closing right brace."],
  ["int4[]","{,}","22P02","malformed array literal: \"{,}\"","Unexpected \",\" character."],
  ["int4[]","{1,,2}","22P02","malformed array literal: \"{1,,2}\"","Unexpected \",\" character."],
  ["text[]","{a\"b}","22P02","malformed array literal: \"{a\"b}\"","Unexpected array element."],
  ["text[]","{\"a\"b}","22P02","malformed array literal: \"{\"a\"b}\"","Unexpected array element."],

];

describe('text and binary formats match PostgreSQL 15', () => {
  for (const [type, input, text, hex] of GOLDEN) {
    it(`${type} ${JSON.stringify(input)} → ${JSON.stringify(text)}`, () => {
      const oid = OIDS[type];
      const value = decodeText(oid, input);
      expect(encodeText(oid, value)).toBe(text);
      expect(encodeBinary(oid, value).toString('hex')).toBe(hex);
      const fromBinary = decodeBinary(oid, Buffer.from(hex, 'hex'));
      expect(encodeText(oid, fromBinary)).toBe(text);
      // PostgreSQL's output reads back as the same value.
      expect(encodeText(oid, decodeText(oid, text))).toBe(text);
    });
  }
});

describe('float text matches PostgreSQL 15 on random bit patterns (float-golden.json)', () => {
  const golden = JSON.parse(readFileSync(new URL('./float-golden.json', import.meta.url), 'utf8')) as { values: [string, string, string][] };
  it(`prints all ${golden.values.length} values as PostgreSQL did`, () => {
    const mismatches = golden.values.filter(([type, hex, text]) => {
      const oid = type === 'float4' ? PgType.float4 : PgType.float8;
      return encodeText(oid, decodeBinary(oid, Buffer.from(hex, 'hex'))) !== text;
    });
    expect(mismatches).toEqual([]);
  });
});

describe('input errors match PostgreSQL 15', () => {
  for (const [type, input, code, message, detail] of ERRORS) {
    it(`${type} ${JSON.stringify(input)} → ${code}`, () => {
      let caught: unknown;
      try {
        decodeText(OIDS[type], input);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(PgError);
      expect(caught).toMatchObject({ code, message, ...(detail === null ? {} : { detail }) });
    });
  }
});

describe('JS representations', () => {
  const cases: [number, string, PgValue][] = [
    [PgType.int2, '-7', -7],
    [PgType.int4, '42', 42],
    [PgType.int8, '9007199254740993', 9007199254740993n],
    [PgType.float8, '0.1', 0.1],
    [PgType.numeric, '1.50', '1.50'],
    [PgType.bool, 'on', true],
    [PgType.bytea, '\\x00ff', Buffer.from([0, 255])],
    [PgType.date, '1970-01-02', 1],
    [PgType.date, 'infinity', Infinity],
    [PgType.timestamp, '2024-01-02 03:04:05.123456', 1704164645123456],
    [PgType.timestamptz, '1970-01-01 00:00:01+01', -3_599_000_000],
    [PgType.uuid, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    [PgType.jsonb, '{"b":1,"a":2}', '{"a": 2, "b": 1}'],
    [PgType._int4, '{1,NULL}', [1, null]],
    [PgType.oid, '-1', 4294967295],
  ];
  for (const [oid, text, value] of cases) {
    it(`${oid} ${text}`, () => {
      expect(decodeText(oid, text)).toEqual(value);
    });
  }

  it('formats values the SQL layer computes (numbers as numeric, bigint timestamps)', () => {
    expect(encodeText(PgType.numeric, 12.5)).toBe('12.5');
    expect(encodeText(PgType.numeric, 1e21)).toBe('1000000000000000000000');
    expect(encodeText(PgType.numeric, 123n)).toBe('123');
    expect(encodeText(PgType.timestamp, 1704164645123456n)).toBe('2024-01-02 03:04:05.123456');
    expect(encodeText(PgType.int8, 5)).toBe('5');
    expect(encodeText(PgType.text, 5)).toBe('5');
  });

  it('throws a plain Error (a backend bug, not a client error) for a value of the wrong JS type', () => {
    expect(() => encodeText(PgType.int4, 'x')).toThrow(/cannot encode "x" \(string\) as int4/);
    expect(() => encodeText(PgType.bool, 1)).toThrow(Error);
    expect(() => encodeText(PgType.int4, 'x')).not.toThrow(PgError);
  });

  it('rejects binary input of the wrong size with 22P03', () => {
    expect(() => decodeBinary(PgType.int4, Buffer.from([1, 2, 3]))).toThrow(expect.objectContaining({ code: '22P03' }));
    expect(() => decodeBinary(PgType.numeric, Buffer.from('0001000000000000', 'hex'))).toThrow(expect.objectContaining({ code: '22P03' }));
    expect(() => decodeBinary(PgType._int4, Buffer.from('000000017fffffff000000170fffffff00000001', 'hex')))
      .toThrow(expect.objectContaining({ code: '22P03' }));
  });

  it('passes unknown types through as text or bytes', () => {
    expect(decodeText(0, 'anything')).toBe('anything');
    expect(encodeText(123456, 'x')).toBe('x');
    expect(decodeBinary(0, Buffer.from([1, 2]))).toEqual(Buffer.from([1, 2]));
  });
});

describe('round trips over random values', () => {
  const runs = { numRuns: 2000, seed: 42 };

  it('float8: text and binary', () => {
    fc.assert(fc.property(fc.double(), (x) => {
      expect(Object.is(decodeText(PgType.float8, encodeText(PgType.float8, x)), x)).toBe(true);
      expect(Object.is(decodeBinary(PgType.float8, encodeBinary(PgType.float8, x)), x)).toBe(true);
    }), runs);
  });

  it('float4: text and binary', () => {
    fc.assert(fc.property(fc.float(), (x) => {
      const f = Math.fround(x);
      expect(Object.is(decodeText(PgType.float4, encodeText(PgType.float4, x)), f)).toBe(true);
      expect(Object.is(decodeBinary(PgType.float4, encodeBinary(PgType.float4, x)), f)).toBe(true);
    }), runs);
  });

  it('numeric: text → binary → text', () => {
    const decimal = fc.tuple(fc.boolean(), fc.stringMatching(/^[0-9]{1,30}$/), fc.stringMatching(/^[0-9]{0,20}$/))
      .map(([neg, i, f]) => `${neg ? '-' : ''}${i}${f ? '.' + f : ''}`);
    fc.assert(fc.property(decimal, (s) => {
      const canonical = decodeText(PgType.numeric, s) as string;
      expect(decodeBinary(PgType.numeric, encodeBinary(PgType.numeric, canonical))).toBe(canonical);
      expect(decodeText(PgType.numeric, canonical)).toBe(canonical);
    }), runs);
  });

  it('timestamp and timestamptz: text and binary within the exact range', () => {
    const usec = fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
    fc.assert(fc.property(usec, (v) => {
      for (const oid of [PgType.timestamp, PgType.timestamptz]) {
        expect(decodeText(oid, encodeText(oid, v))).toBe(v);
        expect(decodeBinary(oid, encodeBinary(oid, v))).toBe(v);
      }
    }), runs);
  });

  it('date: text and binary over the whole range', () => {
    fc.assert(fc.property(fc.integer({ min: -2_440_588, max: 2_145_031_948 }), (d) => {
      expect(decodeText(PgType.date, encodeText(PgType.date, d))).toBe(d);
      expect(decodeBinary(PgType.date, encodeBinary(PgType.date, d))).toBe(d);
    }), runs);
  });

  it('text[]: any strings, including quotes, backslashes, braces and NULL-looking ones', () => {
    fc.assert(fc.property(fc.array(fc.option(fc.string(), { nil: null })), (a) => {
      const clean = a.map((s) => (s === null ? null : s.replace(/\0/g, '')));
      expect(decodeText(PgType._text, encodeText(PgType._text, clean))).toEqual(clean);
      expect(decodeBinary(PgType._text, encodeBinary(PgType._text, clean))).toEqual(clean);
    }), runs);
  });

  it('jsonb: canonical text is a fixed point and keeps JSON.parse values', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const text = JSON.stringify(v);
      if (text.includes('\\u0000')) return;
      const canonical = decodeText(PgType.jsonb, text) as string;
      expect(decodeText(PgType.jsonb, canonical)).toBe(canonical);
      expect(JSON.parse(canonical)).toEqual(JSON.parse(text));
    }), runs);
  });
});
