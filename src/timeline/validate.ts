/**
 * A small JSON Schema validator for the subset schema/analysis.schema.json uses: type (one or a list,
 * with "integer"), properties, required, items, enum, const, additionalProperties (boolean or schema),
 * $ref to "#/$defs/…", anyOf and minimum. Enough to check our own documents without a dependency.
 */

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
  anyOf?: JsonSchema[];
  minimum?: number;
  $defs?: Record<string, JsonSchema>;
  [key: string]: unknown;
};

export interface SchemaError {
  /** JSON Pointer-like path of the offending value, e.g. "/workstations/0/steps/3/phase". */
  path: string;
  message: string;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function hasType(v: unknown, t: string): boolean {
  switch (t) {
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'null':
      return v === null;
    default:
      return typeof v === t;
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Validates `value` against `schema` (whose $defs serve $ref); returns every error found (empty when valid). */
export function validateSchema(schema: JsonSchema, value: unknown): SchemaError[] {
  const errors: SchemaError[] = [];
  const root = schema;

  const resolve = (ref: string): JsonSchema => {
    const m = /^#\/\$defs\/(.+)$/.exec(ref);
    const target = m ? root.$defs?.[m[1]] : undefined;
    if (!target) throw new Error(`unsupported or unknown $ref ${ref}`);
    return target;
  };

  const check = (s: JsonSchema, v: unknown, path: string, out: SchemaError[]): void => {
    if (s.$ref) {
      check(resolve(s.$ref), v, path, out);
      return;
    }
    if (s.anyOf) {
      const branches = s.anyOf.map((b) => {
        const e: SchemaError[] = [];
        check(b, v, path, e);
        return e;
      });
      if (!branches.some((e) => e.length === 0)) out.push({ path, message: `matches none of anyOf: ${branches.map((e) => e[0]?.message).join(' | ')}` });
    }
    if (s.const !== undefined && !deepEqual(s.const, v)) out.push({ path, message: `must be ${JSON.stringify(s.const)}, is ${JSON.stringify(v)}` });
    if (s.enum && !s.enum.some((e) => deepEqual(e, v))) out.push({ path, message: `must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}, is ${JSON.stringify(v)}` });
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? s.type : [s.type];
      if (!types.some((t) => hasType(v, t))) {
        out.push({ path, message: `must be ${types.join(' or ')}, is ${typeOf(v)}` });
        return;
      }
    }
    if (s.minimum !== undefined && typeof v === 'number' && v < s.minimum) out.push({ path, message: `must be ≥ ${s.minimum}, is ${v}` });
    if (Array.isArray(v) && s.items) v.forEach((item, i) => check(s.items!, item, `${path}/${i}`, out));
    if (hasType(v, 'object') && (s.properties || s.required || s.additionalProperties !== undefined)) {
      const obj = v as Record<string, unknown>;
      for (const r of s.required ?? []) if (!(r in obj)) out.push({ path, message: `missing required property "${r}"` });
      for (const [k, val] of Object.entries(obj)) {
        const p = s.properties?.[k];
        if (p) check(p, val, `${path}/${k}`, out);
        else if (s.additionalProperties === false) out.push({ path: `${path}/${k}`, message: `property "${k}" is not allowed` });
        else if (s.additionalProperties && typeof s.additionalProperties === 'object') check(s.additionalProperties, val, `${path}/${k}`, out);
      }
    }
  };

  check(schema, value, '', errors);
  return errors;
}
