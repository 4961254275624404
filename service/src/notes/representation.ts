// How a stored note is presented: the JSON body, its ETag and its URL.
import { createHash } from 'node:crypto';
import type { NoteRow } from '../db/schema.js';
import { etagFor } from '../http/etag.js';

export interface NoteJson {
  id: string;
  title: string;
  body: string;
  tags: string[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function toNoteJson(row: NoteRow): NoteJson {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    tags: row.tags,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function noteLocation(id: string): string {
  return `/v1/notes/${id}`;
}

export function noteHeaders(note: { id: string; version: number }): Record<string, string> {
  return { Location: noteLocation(note.id), ETag: etagFor(note.version) };
}

/** JSON with object keys sorted, so `{"a":1,"b":2}` and `{ "b": 2, "a": 1 }` count as the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Identifies a request for idempotency: same method, path and (canonical) body ⇒ same hash. */
export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body)}`)
    .digest('base64url');
}
