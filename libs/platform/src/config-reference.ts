import { z } from 'zod';
import { gatewayConfigSchema } from './config-schema';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  required?: string[];
};

/**
 * The gateway config as JSON Schema (draft 2020-12), as the file is written: durations as `30m`
 * or ms, every default. For editors (`# yaml-language-server: $schema=…`) and `smsgw config
 * schema`; the YAML is still checked by the apps themselves at start.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(gatewayConfigSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return { ...(allowEnvRefs(schema) as Record<string, unknown>), title: 'smsgw gateway configuration', $id: 'https://smsgw.dev/schema/gateway.json' };
}

/** `${VAR}` (replaced from the environment when the file is loaded) as the whole value. */
const ENV_REF = { type: 'string', pattern: '^\\$\\{[A-Z_][A-Z0-9_]*\\}$' };

/**
 * Any string in the file may be `${VAR}` (config.ts replaces it at load): a string the schema
 * constrains (pattern, length, enum) also accepts a reference, so an editor does not flag
 * `password: ${OP1_PASSWORD}`.
 */
function allowEnvRefs(node: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...node };
  if (out.properties) out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, allowEnvRefs(v)]));
  if (typeof out.additionalProperties === 'object') out.additionalProperties = allowEnvRefs(out.additionalProperties);
  if (out.items) out.items = allowEnvRefs(out.items);
  if (out.anyOf) out.anyOf = out.anyOf.map(allowEnvRefs);
  if (out.oneOf) out.oneOf = out.oneOf.map(allowEnvRefs);
  const constrained = out.type === 'string' && (out.pattern !== undefined || out.enum !== undefined || 'maxLength' in out || 'minLength' in out);
  if (!constrained) return out;
  const { default: def, ...rest } = out;
  return { anyOf: [rest, ENV_REF], ...(def !== undefined ? { default: def } : {}) };
}

const DURATION = '^\\d+(ms|s|m|h|d|w)$';
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A JSON Schema type in a few words: `integer ≥ 1`, `duration`, `a \| b`, `string[]`. */
function typeOf(s: JsonSchema): string {
  const alts = s.anyOf ?? s.oneOf;
  if (alts) {
    // Milliseconds or a duration string: one kind of value.
    if (alts.some((a) => a.pattern === DURATION)) return 'duration (ms, or `30s`, `10m`, `12h`, `2d`)';
    return [...new Set(alts.map(typeOf))].join(' \\| ');
  }
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (s.const !== undefined) return `\`${String(s.const)}\``;
  if (s.type === 'array') {
    const item = s.items ? typeOf(s.items) : 'any';
    return item.includes(' \\| ') ? `(${item})[]` : `${item}[]`;
  }
  if (s.type === 'integer' || s.type === 'number') {
    const lo = s.minimum !== undefined && s.minimum > -MAX_SAFE ? s.minimum : undefined;
    const hi = s.maximum !== undefined && s.maximum < MAX_SAFE ? s.maximum : undefined;
    if (lo !== undefined && hi !== undefined) return `${s.type} ${lo}–${hi}`;
    if (lo !== undefined) return `${s.type} ≥ ${lo}`;
    if (hi !== undefined) return `${s.type} ≤ ${hi}`;
    return s.type;
  }
  if (Array.isArray(s.type)) return s.type.join(' \\| ');
  return s.type ?? 'any';
}

const show = (v: unknown) => (v === undefined ? '' : `\`${JSON.stringify(v)}\``);

/** Every key of the config with its type and default, as `| key | type | default |` rows. */
function rows(input: JsonSchema, output: JsonSchema | undefined, path: string, out: string[]): void {
  const isObject = input.type === 'object' && (input.properties || typeof input.additionalProperties === 'object');
  if (!isObject) {
    if (input.type === 'array' && input.items?.type === 'object' && input.items.properties) {
      return rows(input.items, output?.items, `${path}[]`, out);
    }
    // The default as the apps see it (output), where the input form has none (durations).
    const def = input.default ?? output?.default;
    out.push(`| \`${path}\` | ${typeOf(input)} | ${typeof def === 'object' && def !== null && !Array.isArray(def) ? '' : show(def)} |`);
    return;
  }
  for (const [key, sub] of Object.entries(input.properties ?? {})) rows(sub, output?.properties?.[key], path ? `${path}.${key}` : key, out);
  if (typeof input.additionalProperties === 'object') {
    const name = `<${path.split('.').pop()?.replace(/s$/, '') ?? 'key'}>`;
    rows(input.additionalProperties, typeof output?.additionalProperties === 'object' ? output.additionalProperties : undefined, `${path}.${name}`, out);
  }
}

/** The reference table of docs/configuration.md (`npm run docs:config` writes it there). */
export function configReferenceMarkdown(): string {
  const input = z.toJSONSchema(gatewayConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const output = z.toJSONSchema(gatewayConfigSchema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;
  const out: string[] = ['| key | type | default |', '|---|---|---|'];
  rows(input, output, '', out);
  return out.join('\n');
}

export const REFERENCE_START = '<!-- config-reference:start (npm run docs:config writes this table) -->';
export const REFERENCE_END = '<!-- config-reference:end -->';

/** `doc` with the table between the markers replaced by the current one; throws when a marker is missing. */
export function withConfigReference(doc: string): string {
  const start = doc.indexOf(REFERENCE_START);
  const end = doc.indexOf(REFERENCE_END);
  if (start < 0 || end < start) throw new Error(`the document has no ${REFERENCE_START} … ${REFERENCE_END} section`);
  return `${doc.slice(0, start + REFERENCE_START.length)}\n\n${configReferenceMarkdown()}\n\n${doc.slice(end)}`;
}
