// The zod schemas that validate requests and, through @hono/zod-openapi, produce /openapi.json: one source
// for both, so the documentation cannot drift from what the service accepts.
import { z } from '@hono/zod-openapi';
import { decodeCursor } from './cursor.js';

export const TITLE_MAX = 200;
export const BODY_MAX = 20_000;
export const TAGS_MAX = 20;
export const TAG_MAX = 50;
export const LIMIT_MAX = 100;
export const LIMIT_DEFAULT = 20;

export const Tag = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(TAG_MAX, `must be at most ${TAG_MAX} characters`)
  .regex(/^[a-z0-9-]*$/, 'may contain only lowercase letters, digits and "-"')
  .openapi({ example: 'work' });

// PostgreSQL text cannot hold U+0000; rejecting it here keeps such input a 400 instead of a database error.
const noNul = (value: string) => !value.includes('\u0000');
const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';

// Lengths count characters (Unicode code points), as JSON Schema's maxLength does, not UTF-16 code units:
// a 200-emoji title is 200 characters. The limit is declared to OpenAPI explicitly for that reason.
const atMost = (max: number) => (value: string) => value.length <= max || [...value].length <= max;

const Title = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .min(1, 'must not be empty')
  .refine(atMost(TITLE_MAX), `must be at most ${TITLE_MAX} characters`)
  .refine(noNul, NUL_MESSAGE)
  .openapi({ maxLength: TITLE_MAX });
const Body = z
  .string({ error: 'must be a string' })
  .refine(atMost(BODY_MAX), `must be at most ${BODY_MAX} characters`)
  .refine(noNul, NUL_MESSAGE)
  .openapi({ maxLength: BODY_MAX });
const Tags = z
  .array(Tag, { error: 'must be an array of tags' })
  .max(TAGS_MAX, `must hold at most ${TAGS_MAX} tags`);

export const NoteCreate = z
  .strictObject(
    {
      title: Title.openapi({ example: 'Groceries' }),
      body: Body.default('').openapi({ example: 'Milk, eggs' }),
      tags: Tags.default([]).openapi({ example: ['home'] }),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? 'is not a known field' : 'must be a JSON object',
    },
  )
  .openapi('NoteCreate');

export const NotePatch = z
  .strictObject(
    { title: Title.optional(), body: Body.optional(), tags: Tags.optional() },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? 'is not a known field' : 'must be a JSON object',
    },
  )
  .refine((patch) => Object.keys(patch).length > 0, 'must change at least one of title, body, tags')
  .openapi('NotePatch');

export type NoteCreateInput = z.infer<typeof NoteCreate>;
export type NotePatchInput = z.infer<typeof NotePatch>;

export const Note = z
  .object({
    id: z.uuid(),
    title: z.string(),
    body: z.string(),
    tags: z.array(z.string()),
    version: z.int().openapi({ description: 'Incremented by every update; the ETag is derived from it.' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Note');

export const NoteList = z
  .object({
    items: z.array(Note),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` to get the next page; null on the last page.' }),
  })
  .openapi('NoteList');

export const NoteIdParams = z.object({
  id: z
    .uuid({ error: 'must be a note id (a UUID)' })
    .openapi({ param: { name: 'id', in: 'path' }, example: '0b6f7a52-4c57-4d4e-9a55-3f1c2d1e9b10' }),
});

export const ListQuery = z.object({
  limit: z.coerce
    .number({ error: `must be an integer from 1 to ${LIMIT_MAX}` })
    .int(`must be an integer from 1 to ${LIMIT_MAX}`)
    .min(1, `must be an integer from 1 to ${LIMIT_MAX}`)
    .max(LIMIT_MAX, `must be an integer from 1 to ${LIMIT_MAX}`)
    .default(LIMIT_DEFAULT)
    .openapi({ param: { name: 'limit', in: 'query' }, example: LIMIT_DEFAULT }),
  cursor: z
    .string({ error: 'must be a single cursor' })
    .transform((value, ctx) => {
      const cursor = decodeCursor(value);
      if (!cursor) {
        ctx.addIssue({ code: 'custom', message: 'is not a cursor returned by this API' });
        return z.NEVER;
      }
      return cursor;
    })
    .optional()
    .openapi({
      param: { name: 'cursor', in: 'query' },
      type: 'string',
      description: 'Opaque `nextCursor` of the previous page.',
    }),
  tag: Tag.optional().openapi({ param: { name: 'tag', in: 'query' } }),
});

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export const CreateHeaders = z.object({
  'Idempotency-Key': z
    .string()
    .regex(IDEMPOTENCY_KEY, 'must be 1 to 255 visible ASCII characters')
    .optional()
    .openapi({
      description: 'Makes retries safe: the same key and body return the first response and create nothing.',
    }),
});

export const IfMatchHeaders = z.object({
  'If-Match': z.string().optional().openapi({
    description: 'The ETag of the version being changed; required for PATCH.',
  }),
});

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string(),
    requestId: z.string().optional(),
    errors: z
      .array(
        z.object({ in: z.enum(['body', 'query', 'path', 'header']), field: z.string(), message: z.string() }),
      )
      .optional(),
  })
  .openapi('Problem');
