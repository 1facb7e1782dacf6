// Parsing of multi-document YAML (and JSON) manifests with positions, so that every problem
// can name its file and line. Used on the user's files before kustomize runs, and on
// kustomize's own output.
import { LineCounter, parseAllDocuments } from 'yaml';
import { ManifestParseError, type ObjectRef } from './errors.js';

/** A JSON-compatible object as read from YAML. */
export type KubeObject = Record<string, unknown>;

export interface ParsedDocument {
  /** The document's content; `null` for an empty document. */
  value: unknown;
  /** 1-based line where the document's content starts. */
  line: number;
  /** 0-based index among the file's documents. */
  index: number;
}

export interface ParseResult {
  documents: ParsedDocument[];
  problems: ManifestParseError[];
}

/** Aliases may not expand into more than this many nodes (YAML "billion laughs"). */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses every document of `text`. Syntax errors (including duplicate keys) are reported
 * with `file`, line and column; documents with errors are left out of `documents`.
 */
export function parseManifests(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const documents: ParsedDocument[] = [];
  const problems: ManifestParseError[] = [];
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const pos = lineCounter.linePos(err.pos[0]);
        problems.push(
          new ManifestParseError(
            { file, line: pos.line, column: pos.col },
            `invalid YAML: ${firstLine(err.message)}`,
            { cause: err },
          ),
        );
      }
      return;
    }
    const start = doc.contents?.range[0] ?? 0;
    try {
      const value: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      documents.push({ value, line: lineCounter.linePos(start).line, index });
    } catch (err) {
      problems.push(
        new ManifestParseError(
          { file, line: lineCounter.linePos(start).line },
          `invalid YAML: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        ),
      );
    }
  });
  // A file made only of comments yields one empty document: keep the list clean.
  return { documents: documents.filter((d) => d.value !== null && d.value !== undefined), problems };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** True for a plain mapping (not an array, not null). */
export function isObject(value: unknown): value is KubeObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whatever identity can be read from `value`, without judging it. */
export function objectRef(value: unknown): ObjectRef {
  if (!isObject(value)) return {};
  const ref: ObjectRef = {};
  if (typeof value.apiVersion === 'string') ref.apiVersion = value.apiVersion;
  if (typeof value.kind === 'string') ref.kind = value.kind;
  const metadata = value.metadata;
  if (isObject(metadata)) {
    if (typeof metadata.name === 'string') ref.name = metadata.name;
    if (typeof metadata.namespace === 'string' && metadata.namespace !== '')
      ref.namespace = metadata.namespace;
  }
  return ref;
}

/**
 * Whether a document looks like it is meant to be a Kubernetes object: a mapping with an
 * `apiVersion` or a `kind`. Documents with one but not the other still count, so that a
 * typo is reported instead of silently dropping the object (and pruning it).
 */
export function looksLikeKubernetesObject(value: unknown): boolean {
  return isObject(value) && ('apiVersion' in value || 'kind' in value);
}

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
