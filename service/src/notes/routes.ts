// /v1/notes: create (idempotent with Idempotency-Key), list (keyset pagination), read, conditional update
// (If-Match required) and delete.
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { NoteRow } from '../db/schema.js';
import type { AppEnv } from '../http/env.js';
import { etagFor, ifNoneMatchHits, parseIfMatch } from '../http/etag.js';
import { jsonBody } from '../http/json-body.js';
import { PROBLEM_CONTENT_TYPE, ProblemError } from '../http/problem.js';
import { encodeCursor } from './cursor.js';
import type { NotesRepository } from './repository.js';
import { type NoteJson, noteHeaders, requestHash, toNoteJson } from './representation.js';
import {
  CreateHeaders,
  IfMatchHeaders,
  ListQuery,
  Note,
  NoteCreate,
  NoteIdParams,
  NoteList,
  NotePatch,
  Problem,
} from './schemas.js';

const problemContent = { [PROBLEM_CONTENT_TYPE]: { schema: Problem } };
const problemResponse = (description: string) => ({ description, content: problemContent });
const jsonBodyErrors = {
  400: problemResponse('Malformed JSON, or fields that fail validation (listed in `errors`)'),
  413: problemResponse('Body larger than 1 MiB'),
  415: problemResponse('Body is not application/json'),
};
const etagHeader = {
  ETag: { schema: { type: 'string' as const }, description: 'Version of the note, for If-Match' },
};

const createNote = createRoute({
  method: 'post',
  path: '/v1/notes',
  tags: ['notes'],
  summary: 'Create a note',
  middleware: [jsonBody()] as const,
  request: {
    headers: CreateHeaders,
    body: { required: true, content: { 'application/json': { schema: NoteCreate } } },
  },
  responses: {
    201: {
      description: 'Created (or, for a retried Idempotency-Key, the first response again)',
      headers: { Location: { schema: { type: 'string' as const } }, ...etagHeader },
      content: { 'application/json': { schema: Note } },
    },
    ...jsonBodyErrors,
    422: problemResponse('Idempotency-Key already used with a different body'),
  },
});

const listNotes = createRoute({
  method: 'get',
  path: '/v1/notes',
  tags: ['notes'],
  summary: 'List notes, newest first',
  request: { query: ListQuery },
  responses: {
    200: { description: 'One page', content: { 'application/json': { schema: NoteList } } },
    400: problemResponse('Invalid limit, cursor or tag'),
  },
});

const getNote = createRoute({
  method: 'get',
  path: '/v1/notes/{id}',
  tags: ['notes'],
  summary: 'Read a note',
  request: { params: NoteIdParams },
  responses: {
    200: { description: 'The note', headers: etagHeader, content: { 'application/json': { schema: Note } } },
    304: { description: 'Not modified (If-None-Match matched)' },
    400: problemResponse('Invalid id'),
    404: problemResponse('No such note'),
  },
});

const patchNote = createRoute({
  method: 'patch',
  path: '/v1/notes/{id}',
  tags: ['notes'],
  summary: 'Change a note (conditional on If-Match)',
  middleware: [jsonBody()] as const,
  request: {
    params: NoteIdParams,
    headers: IfMatchHeaders,
    body: {
      required: true,
      content: {
        'application/json': { schema: NotePatch },
        'application/merge-patch+json': { schema: NotePatch },
      },
    },
  },
  responses: {
    200: { description: 'Updated', headers: etagHeader, content: { 'application/json': { schema: Note } } },
    ...jsonBodyErrors,
    404: problemResponse('No such note'),
    412: problemResponse('If-Match does not match the current version'),
    428: problemResponse('If-Match missing'),
  },
});

const deleteNote = createRoute({
  method: 'delete',
  path: '/v1/notes/{id}',
  tags: ['notes'],
  summary: 'Delete a note',
  request: { params: NoteIdParams, headers: IfMatchHeaders },
  responses: {
    204: { description: 'Deleted' },
    400: problemResponse('Invalid id'),
    404: problemResponse('No such note'),
    412: problemResponse('If-Match given and stale'),
  },
});

function notFound(id: string): ProblemError {
  return new ProblemError('note-not-found', `no note has id ${id}`);
}

function stale(id: string, ifMatch: string): ProblemError {
  return new ProblemError(
    'precondition-failed',
    `If-Match ${JSON.stringify(ifMatch.slice(0, 100))} does not match the current version of note ${id}; GET it again and retry with its ETag`,
  );
}

export function registerNoteRoutes(app: OpenAPIHono<AppEnv>, repo: NotesRepository): void {
  app.openapi(createNote, async (c) => {
    const input = c.req.valid('json');
    const key = c.req.valid('header')['Idempotency-Key'];
    if (key === undefined) {
      const note = toNoteJson(await repo.create(input));
      return c.json(note, 201, noteHeaders(note));
    }
    const hash = requestHash('POST', '/v1/notes', c.var.jsonBody);
    const render = (row: NoteRow) => ({ status: 201, body: JSON.stringify(toNoteJson(row)) });
    const outcome = await repo.createIdempotent(input, key, hash, render);
    if (outcome.kind === 'key-reused') {
      throw new ProblemError(
        'idempotency-key-reused',
        'this Idempotency-Key was already used with a different request body; use a new key for a new note',
      );
    }
    // The stored text was JSON.stringify of the note, so parsing and re-serializing gives the same bytes.
    const first = JSON.parse(outcome.response.body) as NoteJson;
    const headers = noteHeaders(first);
    if (outcome.kind === 'replayed') headers['Idempotent-Replayed'] = 'true';
    return c.json(first, outcome.response.status as 201, headers);
  });

  app.openapi(listNotes, async (c) => {
    const { limit, cursor, tag } = c.req.valid('query');
    const rows = await repo.list({ limit: limit + 1, after: cursor, tag });
    const page = rows.length > limit ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    const nextCursor = rows.length > limit && last ? encodeCursor(last) : null;
    return c.json({ items: page.map(toNoteJson), nextCursor }, 200);
  });

  app.openapi(getNote, async (c) => {
    const { id } = c.req.valid('param');
    const row = await repo.get(id);
    if (!row) throw notFound(id);
    const etag = etagFor(row.version);
    const ifNoneMatch = c.req.header('if-none-match');
    if (ifNoneMatch !== undefined && ifNoneMatchHits(ifNoneMatch, etag)) {
      return c.body(null, 304, { ETag: etag });
    }
    return c.json(toNoteJson(row), 200, { ETag: etag });
  });

  app.openapi(patchNote, async (c) => {
    const { id } = c.req.valid('param');
    const patch = c.req.valid('json');
    const ifMatch = c.req.valid('header')['If-Match'];
    if (ifMatch === undefined) {
      throw new ProblemError(
        'precondition-required',
        'PATCH needs an If-Match header with the ETag from GET /v1/notes/{id}, so concurrent edits are not lost',
      );
    }
    const outcome = await repo.update(id, patch, parseIfMatch(ifMatch));
    if (outcome.kind === 'not-found') throw notFound(id);
    if (outcome.kind === 'stale') throw stale(id, ifMatch);
    return c.json(toNoteJson(outcome.value), 200, { ETag: etagFor(outcome.value.version) });
  });

  app.openapi(deleteNote, async (c) => {
    const { id } = c.req.valid('param');
    const ifMatch = c.req.valid('header')['If-Match'];
    const outcome = await repo.delete(id, ifMatch === undefined ? 'any' : parseIfMatch(ifMatch));
    if (outcome.kind === 'not-found') throw notFound(id);
    if (outcome.kind === 'stale') throw stale(id, ifMatch ?? '');
    return c.body(null, 204);
  });
}
