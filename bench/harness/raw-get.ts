/**
 * A GET whose answer is counted as it crossed the wire: the body's bytes before any decoding
 * (node:http does not decompress), with the `Content-Encoding` the server chose.
 */
import { request } from 'node:http';

/** What came back. */
export interface RawAnswer {
  readonly status: number;
  readonly encoding: string;
  readonly body: Buffer;
}

/** GETs `url` with `headers`; the raw body. */
export const rawGet = (
  url: string,
  headers: Readonly<Record<string, string>>,
): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          encoding: String(res.headers['content-encoding'] ?? 'identity'),
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
