/**
 * Reading a request body with a ceiling, so that an oversized upload is refused after at most
 * `limit` bytes instead of being buffered whole.
 */

/** The body's bytes, or undefined when it is longer than `limit` (declared or actual). */
export const readBodyWithin = async (
  request: Request,
  limit: number,
): Promise<Uint8Array | undefined> => {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > limit) return undefined;
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
};
