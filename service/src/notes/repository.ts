// Every query on notes. The hot ones are prepared once (named statements: PostgreSQL plans them once per
// connection); writes whose shape varies are built per call.
import { and, desc, eq, inArray, type SQL, sql, TransactionRollbackError } from 'drizzle-orm';
import { idempotencyKeys, type NoteRow, notes } from '../db/schema.js';
import type { Orm } from '../db.js';
import type { Cursor } from './cursor.js';
import type { NoteCreateInput, NotePatchInput } from './schemas.js';

export interface ListOptions {
  /** Rows to return (callers ask for one more than a page to learn whether another page exists). */
  limit: number;
  after?: Cursor;
  tag?: string;
}

export interface StoredResponse {
  status: number;
  body: string;
}

export type IdempotentCreate =
  | { kind: 'created'; row: NoteRow; response: StoredResponse }
  | { kind: 'replayed'; response: StoredResponse }
  | { kind: 'key-reused' };

export type WriteOutcome<T> = { kind: 'done'; value: T } | { kind: 'not-found' } | { kind: 'stale' };

/** Which versions a conditional write accepts: any, or one of a list (from If-Match). */
export type VersionMatch = 'any' | number[];

const p = sql.placeholder;

function prepareQueries(orm: Orm) {
  const newestFirst = [desc(notes.createdAt), desc(notes.id)];
  const before = sql`(${notes.createdAt}, ${notes.id}) < (${p('createdAt')}::timestamptz, ${p('id')}::uuid)`;
  const tagged = sql`${notes.tags} @> array[${p('tag')}]::text[]`;
  const list = (name: string, where?: SQL) =>
    orm
      .select()
      .from(notes)
      .where(where)
      .orderBy(...newestFirst)
      .limit(p('limit'))
      .prepare(name);
  return {
    byId: orm
      .select()
      .from(notes)
      .where(eq(notes.id, p('id')))
      .prepare('notes_by_id'),
    versionById: orm
      .select({ version: notes.version })
      .from(notes)
      .where(eq(notes.id, p('id')))
      .prepare('notes_version_by_id'),
    list: list('notes_list'),
    listBefore: list('notes_list_before', before),
    listTagged: list('notes_list_tagged', tagged),
    listTaggedBefore: list('notes_list_tagged_before', and(tagged, before)),
    insert: orm
      .insert(notes)
      .values({ title: p('title'), body: p('body'), tags: p('tags') })
      .returning()
      .prepare('notes_insert'),
    idempotencyByKey: orm
      .select()
      .from(idempotencyKeys)
      .where(eq(idempotencyKeys.key, p('key')))
      .prepare('idempotency_by_key'),
  };
}

export class NotesRepository {
  private readonly q: ReturnType<typeof prepareQueries>;

  constructor(private readonly orm: Orm) {
    this.q = prepareQueries(orm);
  }

  async get(id: string): Promise<NoteRow | undefined> {
    const [row] = await this.q.byId.execute({ id });
    return row;
  }

  list({ limit, after, tag }: ListOptions): Promise<NoteRow[]> {
    const position = after ? { createdAt: after.createdAt.toISOString(), id: after.id } : {};
    if (tag !== undefined) {
      return after
        ? this.q.listTaggedBefore.execute({ limit, tag, ...position })
        : this.q.listTagged.execute({ limit, tag });
    }
    return after ? this.q.listBefore.execute({ limit, ...position }) : this.q.list.execute({ limit });
  }

  async create(input: NoteCreateInput): Promise<NoteRow> {
    const [row] = await this.q.insert.execute(input);
    return row!;
  }

  /**
   * Creates a note under an idempotency key, atomically: the note and the key's record commit together.
   * A concurrent request with the same key blocks on the key's unique index until the first commits, then
   * finds the key taken, rolls its own note back and replays the stored response.
   */
  async createIdempotent(
    input: NoteCreateInput,
    key: string,
    requestHash: string,
    render: (row: NoteRow) => StoredResponse,
  ): Promise<IdempotentCreate> {
    const seen = await this.lookup(key, requestHash);
    if (seen) return seen;
    try {
      return await this.orm.transaction(async (tx) => {
        const [row] = await tx.insert(notes).values(input).returning();
        const response = render(row!);
        const claimed = await tx
          .insert(idempotencyKeys)
          .values({
            key,
            requestHash,
            responseStatus: response.status,
            responseBody: response.body,
            noteId: row!.id,
          })
          .onConflictDoNothing()
          .returning({ key: idempotencyKeys.key });
        if (claimed.length === 0) tx.rollback();
        return { kind: 'created' as const, row: row!, response };
      });
    } catch (error) {
      if (!(error instanceof TransactionRollbackError)) throw error;
    }
    // Lost the race: the winner has committed by now (our insert waited for it).
    const settled = await this.lookup(key, requestHash);
    if (!settled) throw new Error(`idempotency record for a conflicting key vanished`);
    return settled;
  }

  private async lookup(key: string, requestHash: string): Promise<IdempotentCreate | undefined> {
    const [record] = await this.q.idempotencyByKey.execute({ key });
    if (!record) return undefined;
    if (record.requestHash !== requestHash) return { kind: 'key-reused' };
    return { kind: 'replayed', response: { status: record.responseStatus, body: record.responseBody } };
  }

  /** Applies `patch` if the note's version is accepted: one UPDATE … WHERE id AND version, so two writers with the same ETag cannot both win. */
  async update(id: string, patch: NotePatchInput, match: VersionMatch): Promise<WriteOutcome<NoteRow>> {
    if (match !== 'any' && match.length === 0) return this.explainMiss(id);
    const [row] = await this.orm
      .update(notes)
      .set({ ...patch, version: sql`${notes.version} + 1`, updatedAt: sql`now()` })
      .where(and(eq(notes.id, id), match === 'any' ? undefined : inArray(notes.version, match)))
      .returning();
    if (row) return { kind: 'done', value: row };
    return match === 'any' ? { kind: 'not-found' } : this.explainMiss(id);
  }

  async delete(id: string, match: VersionMatch): Promise<WriteOutcome<null>> {
    if (match !== 'any' && match.length === 0) return this.explainMiss(id);
    const deleted = await this.orm
      .delete(notes)
      .where(and(eq(notes.id, id), match === 'any' ? undefined : inArray(notes.version, match)))
      .returning({ id: notes.id });
    if (deleted.length > 0) return { kind: 'done', value: null };
    return match === 'any' ? { kind: 'not-found' } : this.explainMiss(id);
  }

  /** A conditional write changed nothing: because the note is gone, or because its version moved on. */
  private async explainMiss(id: string): Promise<{ kind: 'not-found' } | { kind: 'stale' }> {
    const [current] = await this.q.versionById.execute({ id });
    return current ? { kind: 'stale' } : { kind: 'not-found' };
  }
}
