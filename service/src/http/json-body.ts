// Reads a JSON request body for POST and PATCH, in this order: media type (415), size (413, without
// reading more than the limit), UTF-8 and JSON syntax (400, saying where it broke). The zod validator
// then sees the same text.
import type { IncomingMessage } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';
import { ProblemError } from './problem.js';

export const MAX_BODY_BYTES = 1024 * 1024;

const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json$/i;

function checkMediaType(header: string | undefined): void {
  if (header === undefined) {
    throw new ProblemError(
      'unsupported-media-type',
      'Content-Type is missing; send the body as application/json',
    );
  }
  const [essence = '', ...params] = header.split(';');
  if (!JSON_MEDIA_TYPE.test(essence.trim())) {
    throw new ProblemError(
      'unsupported-media-type',
      `Content-Type ${JSON.stringify(header.slice(0, 100))} is not supported; send application/json`,
    );
  }
  for (const param of params) {
    const [name = '', value = ''] = param.split('=');
    if (name.trim().toLowerCase() === 'charset' && value.trim().replace(/"/g, '').toLowerCase() !== 'utf-8') {
      throw new ProblemError('unsupported-media-type', 'only the utf-8 charset is supported');
    }
  }
}

const tooLarge = () =>
  new ProblemError('payload-too-large', `request body exceeds the limit of ${MAX_BODY_BYTES} bytes (1 MiB)`);

/**
 * Reads the Node.js request stream directly. Going through `c.req.raw.body` would make the adapter build a
 * full WHATWG Request (web stream, AbortSignal, finalizers) per request: slower, and under sustained load
 * it held on to hundreds of megabytes.
 */
function readIncoming(incoming: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error: Error | undefined, bytes?: Uint8Array) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (error) reject(error);
      else resolve(bytes!);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      // Stop reading; the adapter drains or closes the rest once the 413 is sent.
      if (size > MAX_BODY_BYTES) settle(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => settle(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    const onError = () => settle(incomplete());
    const onClose = () => {
      if (!incoming.readableEnded) settle(incomplete());
    };
    incoming.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

const incomplete = () => new ProblemError('malformed-json', 'request body incomplete: the connection closed');

/** Reads a WHATWG body stream (app.request() in tests, other runtimes), with the same limit. */
async function readLimited(body: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function jsonBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    checkMediaType(c.req.header('content-type'));
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) throw tooLarge();
    const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
    const bytes = incoming ? await readIncoming(incoming) : await readLimited(c.req.raw.body);
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw new ProblemError('malformed-json', 'request body is not valid UTF-8');
    }
    if (text.trim() === '') {
      throw new ProblemError('malformed-json', 'request body is empty; expected a JSON object');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ProblemError('malformed-json', `request body is not valid JSON: ${(error as Error).message}`);
    }
    c.set('jsonBody', parsed);
    // Hono's body cache holds promises (its type says otherwise): the validator's c.req.json() takes the
    // value parsed here instead of parsing the text again (zod returns a new object; this one is not changed).
    const cache = c.req.bodyCache as Record<string, unknown>;
    cache.text = Promise.resolve(text);
    cache.json = Promise.resolve(parsed);
    await next();
  };
}
