/**
 * A PNG checked the way pdfmake (pdfkit's png-js) will read it, before it is handed over: png-js
 * inflates and unfilters a PNG with alpha or interlacing in callbacks whose errors never reach the
 * render's promise, so a corrupt one would hang the render instead of failing it. Here the chunks
 * are walked, the header's fields checked, and the image data inflated as a stream (never held
 * whole, stopped as soon as it runs past the size the header implies), every row's filter byte read.
 */

/** What a PNG's header says, or why it cannot be rendered. */
export type PngVerdict = { ok: true; width: number; height: number } | { ok: false; reason: string };

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel of each colour type (greyscale, RGB, palette, grey + alpha, RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Adam7's seven passes: first column and row, column and row steps. */
const ADAM7: [number, number, number, number][] = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

const ascii = (bytes: Uint8Array) => String.fromCharCode(...bytes);

/** Checks `bytes` as a PNG of at most `maxPixels` pixels. */
export async function checkPng(bytes: Uint8Array, maxPixels: number): Promise<PngVerdict> {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) return { ok: false, reason: "the image's bytes are not a PNG" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: { width: number; height: number; depth: number; colour: number; interlace: number } | null = null;
  let palette = false;
  let ended = false;
  const data: Uint8Array[] = [];
  for (let at = 8; at < bytes.length; ) {
    if (at + 12 > bytes.length) return { ok: false, reason: "the PNG is truncated" };
    const length = view.getUint32(at);
    const type = ascii(bytes.subarray(at + 4, at + 8));
    if (at + 12 + length > bytes.length) return { ok: false, reason: "the PNG is truncated" };
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (!header && type !== "IHDR") return { ok: false, reason: "the PNG does not start with its header" };
    if (type === "IHDR") {
      if (header || length !== 13) return { ok: false, reason: "the PNG's header is malformed" };
      const h = new DataView(body.buffer, body.byteOffset, 13);
      header = { width: h.getUint32(0), height: h.getUint32(4), depth: body[8]!, colour: body[9]!, interlace: body[12]! };
      if (body[10] !== 0 || body[11] !== 0 || header.interlace > 1 || !DEPTHS[header.colour]?.includes(header.depth)) return { ok: false, reason: "the PNG's header names an unknown format" };
      if (header.width === 0 || header.height === 0) return { ok: false, reason: "the PNG has no pixels" };
      if (header.width * header.height > maxPixels) return { ok: false, reason: `the image is ${header.width}×${header.height} pixels; at most ${maxPixels} pixels are accepted` };
    } else if (type === "PLTE") palette = length > 0 && length % 3 === 0;
    else if (type === "IDAT") data.push(body);
    else if (type === "IEND") {
      ended = true;
      break;
    }
    at += 12 + length;
  }
  if (!header || !ended || data.length === 0) return { ok: false, reason: "the PNG is incomplete (no image data or no end)" };
  if (header.colour === 3 && !palette) return { ok: false, reason: "the PNG uses a palette it does not hold" };
  return (await checkImageData(data, header)) ? { ok: true, width: header.width, height: header.height } : { ok: false, reason: "the PNG's image data is corrupt" };
}

/** The rows of every pass, as lengths in bytes (filter byte included). */
function rowLengths(header: { width: number; height: number; depth: number; colour: number; interlace: number }): { rows: number; length: number }[] {
  const bits = CHANNELS[header.colour]! * header.depth;
  const row = (width: number) => 1 + Math.ceil((width * bits) / 8);
  if (header.interlace === 0) return [{ rows: header.height, length: row(header.width) }];
  return ADAM7.map(([x0, y0, dx, dy]) => {
    const width = Math.ceil((header.width - x0) / dx);
    const rows = Math.ceil((header.height - y0) / dy);
    return width > 0 && rows > 0 ? { rows, length: row(width) } : { rows: 0, length: 0 };
  }).filter((pass) => pass.rows > 0);
}

/** Inflates the IDAT stream and walks its rows: exactly the bytes the header implies, each row's filter 0–4. */
async function checkImageData(chunks: Uint8Array[], header: Parameters<typeof rowLengths>[0]): Promise<boolean> {
  const passes = rowLengths(header);
  const expected = passes.reduce((total, pass) => total + pass.rows * pass.length, 0);
  const inflated = new Blob(chunks).stream().pipeThrough(new DecompressionStream("deflate"));
  const reader = inflated.getReader();
  let pass = 0;
  let rowsLeft = passes[0]!.rows;
  let untilRow = 0; // bytes left of the current row; 0 means the next byte is a filter byte
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > expected) {
        await reader.cancel();
        return false;
      }
      for (let i = 0; i < value.byteLength; ) {
        if (untilRow === 0) {
          if (value[i]! > 4) {
            await reader.cancel();
            return false;
          }
          untilRow = passes[pass]!.length;
          if (--rowsLeft === 0 && pass + 1 < passes.length) rowsLeft = passes[++pass]!.rows;
        }
        const step = Math.min(untilRow, value.byteLength - i);
        untilRow -= step;
        i += step;
      }
    }
  } catch {
    // Not a zlib stream, or one that ends early or fails its checksum.
    return false;
  }
  return total === expected;
}
