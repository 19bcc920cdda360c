/**
 * Reading a request body whole, bounded: the gateway's JSON bodies and the documents worker's
 * ingested files both need every byte, but never more than a limit, and a sender past the limit
 * should not be read to its end first.
 */

/**
 * The body's bytes, or null as soon as they pass `max` (the stream is cancelled there, so a chunked
 * upload without Content-Length is cut off at the limit instead of being buffered whole first).
 */
export async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array | null> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
