// postBuild variable substitution, following Flux (fluxcd/pkg kustomize_varsub.go and its
// envsubst fork):
//
// - Only the braced form is recognised: `${var}`; a bare `$var` is left alone.
// - `$$` is an escape for `$`, so `$${var}` yields the literal `${var}`.
// - Defaults, bash style: `${var:=default}`, `${var:-default}`, `${var=default}` use the
//   default when the variable is unset or empty; `${var:+alt}` yields `alt` when set and
//   non-empty; `${var:?message}` fails when unset or empty. Defaults may nest `${other}`.
//   Also `${#var}` (length) and casing `${var^}`, `${var^^}`, `${var,}`, `${var,,}`.
// - Values come from `substituteFrom` maps (in order) overlaid by `substitute`; newlines in
//   values are removed; names must match ^[_[:alpha:]][_[:alpha:][:digit:]]*$.
// - Objects annotated or labelled `kustomize.toolkit.fluxcd.io/substitute: disabled` (or
//   `kustomize.moor.dev/substitute: disabled`) are left untouched.
// - Substitution runs on each object's YAML serialization, which is then parsed again; so
//   `replicas: ${n}` becomes a number.
// - Without any variable nothing is substituted (as Flux), unless strict mode is on.
//   Strict mode makes an unset variable without default an error naming the variable.
import { parseDocument, stringify } from 'yaml';
import { type ProblemLocation, SubstitutionError } from './errors.js';
import type { BuiltObject } from './kustomize.js';
import { isObject, type KubeObject, objectRef } from './manifests.js';

export const SUBSTITUTE_ANNOTATIONS = [
  'kustomize.toolkit.fluxcd.io/substitute',
  'kustomize.moor.dev/substitute',
];
export const DISABLED = 'disabled';
export const VARIABLE_NAME = /^[_\p{L}][_\p{L}\p{Nd}]*$/u;

export interface SubstitutionOptions {
  /** `spec.postBuild.substitute`: wins over `substituteFrom`. */
  substitute?: Readonly<Record<string, string>>;
  /** `spec.postBuild.substituteFrom`, already read from ConfigMaps/Secrets, in spec order. */
  substituteFrom?: readonly { source: string; data: Readonly<Record<string, string>> }[];
  /** An unset variable without default is an error. */
  strict?: boolean;
}

/** A problem in one expression, located in the text. */
export class ExpansionError extends Error {
  constructor(
    message: string,
    readonly variable: string | undefined,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'ExpansionError';
  }
}

const IDENT = /[\p{L}\p{Nd}_]/u;

/**
 * Expands `${...}` expressions in `text`. `lookup` returns undefined for unset variables.
 * Throws ExpansionError for syntax errors, `:?` failures and (strict) unset variables.
 */
export function expand(text: string, lookup: (name: string) => string | undefined, strict = false): string {
  let pos = 0;

  const parseExpr = (): string => {
    // At the character after `${`.
    const start = pos - 2;
    if (text[pos] === '#') {
      pos++;
      const name = readName(start);
      expect('}', start);
      return String((lookupValue(name, start) ?? '').length);
    }
    const name = readName(start);
    const next = text[pos];
    if (next === '}') {
      pos++;
      return lookupValue(name, start) ?? '';
    }
    if (next === '^' || next === ',') {
      const op = text.startsWith(next + next, pos) ? next + next : next;
      pos += op.length;
      expect('}', start);
      const v = lookupValue(name, start) ?? '';
      switch (op) {
        case '^':
          return v.charAt(0).toUpperCase() + v.slice(1);
        case '^^':
          return v.toUpperCase();
        case ',':
          return v.charAt(0).toLowerCase() + v.slice(1);
        default:
          return v.toLowerCase();
      }
    }
    let op: string | undefined;
    for (const candidate of [':=', ':-', ':+', ':?', '=']) {
      if (text.startsWith(candidate, pos)) {
        op = candidate;
        break;
      }
    }
    if (op === undefined) {
      if (next === undefined) throw new ExpansionError('missing closing brace', name, start);
      throw new ExpansionError(
        `unsupported or malformed expression at '${text.slice(start, pos + 1)}'`,
        name,
        start,
      );
    }
    pos += op.length;
    const arg = parseUntilBrace(start);
    const current = lookup(name);
    const empty = current === undefined || current === '';
    switch (op) {
      case ':+':
        return empty ? '' : arg;
      case ':?':
        if (empty) throw new ExpansionError(arg || `variable '${name}' is not set`, name, start);
        return current;
      default:
        return empty ? arg : current;
    }
  };

  const lookupValue = (name: string, start: number): string | undefined => {
    const v = lookup(name);
    if (v === undefined && strict) throw new ExpansionError(`variable '${name}' is not set`, name, start);
    return v;
  };

  const readName = (start: number): string => {
    const from = pos;
    while (pos < text.length && IDENT.test(text[pos]!)) pos++;
    if (pos === from) throw new ExpansionError('unable to parse variable name', undefined, start);
    return text.slice(from, pos);
  };

  const expect = (ch: string, start: number): void => {
    if (text[pos] !== ch) throw new ExpansionError('missing closing brace', undefined, start);
    pos++;
  };

  // Reads a default/alternative argument up to its closing brace; may nest `${...}`.
  const parseUntilBrace = (start: number): string => {
    let out = '';
    while (pos < text.length) {
      const ch = text[pos]!;
      if (ch === '}') {
        pos++;
        return out;
      }
      if (ch === '$' && text[pos + 1] === '$') {
        out += '$';
        pos += 2;
      } else if (ch === '$' && text[pos + 1] === '{') {
        pos += 2;
        out += parseExpr();
      } else {
        out += ch;
        pos++;
      }
    }
    throw new ExpansionError('missing closing brace', undefined, start);
  };

  let out = '';
  while (pos < text.length) {
    const next = text.indexOf('$', pos);
    if (next < 0) {
      out += text.slice(pos);
      break;
    }
    out += text.slice(pos, next);
    pos = next;
    if (text[pos + 1] === '$') {
      out += '$';
      pos += 2;
    } else if (text[pos + 1] === '{') {
      pos += 2;
      out += parseExpr();
    } else {
      out += '$';
      pos++;
    }
  }
  return out;
}

function isDisabled(object: KubeObject): boolean {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  for (const key of ['annotations', 'labels'] as const) {
    const map = metadata[key];
    if (isObject(map) && SUBSTITUTE_ANNOTATIONS.some((a) => map[a] === DISABLED)) return true;
  }
  return false;
}

/** Merges the variable sources (later wins, `substitute` last) and validates names. */
export function resolveVariables(options: SubstitutionOptions): {
  vars: Map<string, string>;
  problems: SubstitutionError[];
} {
  const vars = new Map<string, string>();
  const problems: SubstitutionError[] = [];
  const add = (data: Readonly<Record<string, string>>, field: string): void => {
    for (const [name, value] of Object.entries(data)) {
      if (!VARIABLE_NAME.test(name)) {
        problems.push(
          new SubstitutionError(
            { field: `${field}.${name}` },
            `'${name}' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'`,
            name,
          ),
        );
        continue;
      }
      vars.set(name, String(value).replaceAll('\n', ''));
    }
  };
  for (const from of options.substituteFrom ?? [])
    add(from.data, `spec.postBuild.substituteFrom[${from.source}]`);
  if (options.substitute) add(options.substitute, 'spec.postBuild.substitute');
  return { vars, problems };
}

/**
 * Substitutes variables in every object. Returns new objects (origins kept) and every
 * problem found, each naming the object, its file and the variable.
 */
export function substituteObjects(
  objects: readonly BuiltObject[],
  options: SubstitutionOptions,
): { objects: BuiltObject[]; problems: SubstitutionError[] } {
  const { vars, problems } = resolveVariables(options);
  if (problems.length > 0) return { objects: [...objects], problems };
  if (vars.size === 0 && !options.strict) return { objects: [...objects], problems };
  const lookup = (name: string): string | undefined => vars.get(name);

  const result: BuiltObject[] = [];
  for (const item of objects) {
    if (isDisabled(item.object)) {
      result.push(item);
      continue;
    }
    const location: ProblemLocation = { file: item.origin.path, object: objectRef(item.object) };
    const text = stringify(item.object, { lineWidth: 0, minContentWidth: 0 });
    let expanded: string;
    try {
      expanded = expand(text, lookup, options.strict ?? false);
    } catch (err) {
      if (!(err instanceof ExpansionError)) throw err;
      const close = text.indexOf('}', err.offset);
      const field = findField(item.object, text.slice(err.offset, close < 0 ? undefined : close + 1));
      problems.push(
        new SubstitutionError(
          { ...location, ...(field && { field }) },
          `variable substitution failed: ${err.message}`,
          err.variable,
          { cause: err },
        ),
      );
      result.push(item);
      continue;
    }
    const doc = parseDocument(expanded, { uniqueKeys: true });
    const object: unknown = doc.errors.length === 0 ? doc.toJS({ maxAliasCount: 100 }) : undefined;
    if (!isObject(object)) {
      const first = doc.errors[0];
      problems.push(
        new SubstitutionError(
          location,
          `the object is not valid YAML after substitution${first ? `: ${first.message.split('\n')[0]}` : ''}`,
          undefined,
          first ? { cause: first } : undefined,
        ),
      );
      result.push(item);
      continue;
    }
    result.push({ object, origin: item.origin });
  }
  return { objects: result, problems };
}

/** Dotted path of the first string (value or key) in `value` containing `needle`. */
export function findField(value: unknown, needle: string, prefix = ''): string | undefined {
  if (typeof value === 'string') return value.includes(needle) ? prefix : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = findField(v, needle, `${prefix}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (k.includes(needle)) return path;
      const found = findField(v, needle, path);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
