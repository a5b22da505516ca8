import { Readable } from 'node:stream';
import { ThreadlineError } from '@threadline/core';
import busboy from 'busboy';

/** A file part of a form post (internal). */
export interface FormFile {
  field: string;
  filename: string | undefined;
  contentType: string;
  content: Buffer;
}

/** A parsed form post: text fields (first value wins) and file parts (internal). */
export interface FormData {
  fields: Map<string, string>;
  files: FormFile[];
}

/** Limits on a form post. */
export interface FormLimits {
  /** Largest file part kept, in bytes (default 25 MiB); a larger one is a `CAPACITY` error. */
  maxFileBytes?: number;
  /** Largest text field, in bytes (default 10 MiB). */
  maxFieldBytes?: number;
}

function badBody(message: string, cause?: unknown): ThreadlineError {
  return new ThreadlineError('VALIDATION', `inbound email: ${message}`, {
    ...(cause === undefined ? {} : { cause }),
    issues: [{ path: ['rawBody'], message, code: 'custom' }],
    details: { status: 400 },
  });
}

/**
 * Reads a `multipart/form-data` or `application/x-www-form-urlencoded` body (internal). Multipart
 * goes through `busboy`, which handles boundaries, part headers and encodings; a truncated part
 * or field is an error, never a silently shortened value.
 */
export function readForm(
  contentType: string | undefined,
  body: Buffer,
  limits: FormLimits = {},
): Promise<FormData> {
  const type = contentType?.toLowerCase() ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const fields = new Map<string, string>();
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) if (!fields.has(k)) fields.set(k, v);
    return Promise.resolve({ fields, files: [] });
  }
  if (!type.startsWith('multipart/form-data') || contentType === undefined) {
    return Promise.reject(badBody(`unsupported content type ${contentType ?? '(none)'}`));
  }
  const maxFile = limits.maxFileBytes ?? 25 * 1024 * 1024;
  const maxField = limits.maxFieldBytes ?? 10 * 1024 * 1024;
  return new Promise<FormData>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        limits: { fileSize: maxFile, fieldSize: maxField },
        defParamCharset: 'utf8',
      });
    } catch (cause) {
      reject(badBody('malformed multipart content type', cause));
      return;
    }
    const fields = new Map<string, string>();
    const files: FormFile[] = [];
    let failed = false;
    const fail = (error: ThreadlineError) => {
      if (failed) return;
      failed = true;
      reject(error);
    };
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) {
        fail(badBody(`field ${name} is over ${maxField} bytes`));
        return;
      }
      if (!fields.has(name)) fields.set(name, value);
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        fail(
          new ThreadlineError('CAPACITY', `inbound email: attachment ${name} is over ${maxFile} bytes`, {
            details: { status: 413, field: name, maxFileBytes: maxFile },
          }),
        );
        stream.resume();
      });
      stream.on('end', () => {
        files.push({
          field: name,
          filename: info.filename || undefined,
          contentType: info.mimeType || 'application/octet-stream',
          content: Buffer.concat(chunks),
        });
      });
    });
    parser.on('error', (cause) => fail(badBody('malformed multipart body', cause)));
    parser.on('close', () => {
      if (!failed) resolve({ fields, files });
    });
    Readable.from([body]).pipe(parser);
  });
}
