import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configReferenceMarkdown, withConfigReference } from './config-reference';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');

describe('config reference and JSON Schema (generated from the schema the apps validate with)', () => {
  it('docs/configuration.md holds the current table (npm run docs:config rewrites it)', () => {
    const doc = read('docs/configuration.md');
    expect(withConfigReference(doc), 'docs/configuration.md is out of date: run npm run docs:config').toBe(doc);
  });

  it('lists every key with its type and default: sections, arrays of objects, durations', () => {
    const table = configReferenceMarkdown();
    for (const row of [
      '| `redis.prefix` | string | `"smsgw"` |',
      '| `admin.port` | integer 0–65535 | `9106` |',
      '| `delivery.maxAgeMs` | duration (ms, or `30s`, `10m`, `12h`, `2d`) | `172800000` |',
      '| `smscs[].submitWith` | `submit_sm` \\| `data_sm` | `"submit_sm"` |',
      '| `clients[].idempotency.key` | `user_message_reference` \\| `source+destination+text` | `"user_message_reference"` |',
    ]) expect(table).toContain(row);
  });

  it('the JSON Schema accepts the shipped configs and the embedded defaults, and refuses a misspelt key or a wrong type', () => {
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(configJsonSchema());
    for (const file of ['config/gateway.example.yaml', 'config/gateway.docker.yaml']) {
      expect(validate(parseYaml(read(file))), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    expect(validate({})).toBe(true);
    expect(validate({ ingress: { tsl: { port: 3550 } } })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ keyword: 'additionalProperties', params: { additionalProperty: 'tsl' } });
    expect(validate({ ingress: { port: 'two thousand' } })).toBe(false);
    expect(validate({ delivery: { maxAgeMs: '2 days' } })).toBe(false);
    expect(validate({ delivery: { maxAgeMs: '2d' } })).toBe(true);
    // A constrained string may be a ${VAR} reference (replaced at load), nothing else.
    const smsc = (password: string) => ({ smscs: [{ id: 'op1', host: 'smsc.example', port: 2775, systemId: 'gw', password }] });
    expect(validate(smsc('${OP1_PASSWORD}'))).toBe(true);
    expect(validate(smsc('far-too-long'))).toBe(false);
  });
});
