// Strong ETags derived from a note's version, and the If-Match / If-None-Match lists (RFC 9110 §13.1).

export function etagFor(version: number): string {
  return `"${version}"`;
}

const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"$/;

/** `any` for `*`; otherwise the versions named by strong tags (weak or malformed ones never match). */
export function parseIfMatch(header: string): number[] | 'any' {
  if (header.trim() === '*') return 'any';
  const versions: number[] = [];
  for (const part of header.split(',')) {
    const match = ENTITY_TAG.exec(part.trim());
    if (!match || match[1] || !/^\d{1,9}$/.test(match[2]!)) continue;
    versions.push(Number(match[2]));
  }
  return versions;
}

/** If-None-Match uses the weak comparison: `W/"3"` matches `"3"`. */
export function ifNoneMatchHits(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((part) => {
    const match = ENTITY_TAG.exec(part.trim());
    return match !== null && `"${match[2]}"` === etag;
  });
}
