// Opaque keyset cursor: the (created_at, id) of the last item of a page, base64url-encoded. Clients pass it
// back unchanged; anything that does not decode to exactly that shape is rejected as a bad request.
const SHAPE = /^(\d{1,15})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

const MAX_MILLIS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.createdAt.getTime()}.${cursor.id}`).toString('base64url');
}

export function decodeCursor(value: string): Cursor | undefined {
  if (value.length === 0 || value.length > 80 || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  const match = SHAPE.exec(Buffer.from(value, 'base64url').toString('latin1'));
  if (!match) return undefined;
  const millis = Number(match[1]);
  // Years past 9999 have no plain ISO 8601 form PostgreSQL would parse; no real cursor gets there.
  if (millis > MAX_MILLIS) return undefined;
  const createdAt = new Date(millis);
  return { createdAt, id: match[2]! };
}
