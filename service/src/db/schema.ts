// The tables, in drizzle-orm. `npx drizzle-kit generate --config service/drizzle.config.ts` turns changes
// here into a new SQL migration under service/drizzle/, which is committed and applied at start-up.
import { sql } from 'drizzle-orm';
import { index, integer, pgTable, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const notes = pgTable(
  'notes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    title: text('title').notNull(),
    body: text('body').notNull().default(''),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    // Bumped by every update; the ETag is derived from it (optimistic concurrency).
    version: integer('version').notNull().default(1),
    // Millisecond precision so a timestamp survives the round trip through a JavaScript Date and an
    // opaque cursor unchanged: keyset pagination compares it exactly.
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [
    // NULLS FIRST matches a plain `ORDER BY created_at DESC, id DESC`, so the index serves the list query.
    index('notes_created_at_id_idx').on(table.createdAt.desc().nullsFirst(), table.id.desc().nullsFirst()),
    index('notes_tags_idx').using('gin', table.tags),
  ],
);

/** One row per `Idempotency-Key`: the request it was first used with and the response it produced. */
export const idempotencyKeys = pgTable('idempotency_keys', {
  key: text('key').primaryKey(),
  requestHash: text('request_hash').notNull(),
  responseStatus: smallint('response_status').notNull(),
  // The exact bytes sent the first time, replayed as they were.
  responseBody: text('response_body').notNull(),
  noteId: uuid('note_id'),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

export type NoteRow = typeof notes.$inferSelect;
