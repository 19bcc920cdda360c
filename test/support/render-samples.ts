/**
 * Data for the render-pdf tests: a complete invoice and notice (dates on the test calendar, inside
 * the coverage window), and small but real images as data: URIs.
 */
import { testDay, TEST_TODAY } from "./clock.ts";

/** A 1×1 RGBA PNG (alpha, so pdfmake decodes it rather than passing it through). */
export const PNG_1X1 = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/** Lines 1,200.50 + 35.00, a credit of 100.00, 500.00 paid: total 1,135.50, due 635.50. */
export function sampleInvoice() {
  return {
    invoiceNumber: "INV-2026-000042",
    policyNumber: "GL-2026-000117",
    issueDate: TEST_TODAY,
    dueDate: testDay(30),
    status: "open" as const,
    installment: { number: 2, of: 10 },
    billTo: { name: "Müller & Søn Bäckerei LLC", address: ["12 Rue de la Paix", "Austin, TX 78701"] },
    issuer: { name: "Harbor Mutual Agency", address: ["PO Box 100", "Dallas, TX 75201"] },
    lines: [
      { description: "Premium, installment 2", amount: 1200.5 },
      { description: "Installment fee", amount: 35 },
    ],
    credits: [{ description: "Return premium, endorsement 3", amount: 100 }],
    amountPaid: 500,
    paymentInstructions: ["Pay by ACH to account 000123456, routing 111000025, quoting the invoice number."],
  };
}

export function sampleNotice() {
  return {
    kind: "cancellation" as const,
    noticeNumber: "NTC-77",
    noticeDate: TEST_TODAY,
    effectiveDate: testDay(14),
    policyNumber: "GL-2026-000117",
    recipient: { name: "Zoë Ångström", address: ["4 Elm St", "Reno, NV 89501"] },
    sender: { name: "Harbor Mutual Agency" },
    reason: "Non-payment of premium",
    paragraphs: ["The premium due on the invoice INV-2026-000042 was not paid.", "Coverage ends at 12:01 AM on the effective date."],
    signature: { name: "Dana Reyes", title: "Underwriting Manager" },
  };
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer());
}

/**
 * An RGBA PNG of `width`×`height` as a data: URI, its rows as given (`raw`: filter byte + 4 bytes a
 * pixel per row) or solid red; `idat` replaces the compressed data outright (to corrupt it).
 */
export async function pngDataUri(width: number, height: number, options: { raw?: Uint8Array; idat?: Uint8Array } = {}): Promise<string> {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8);
  let raw = options.raw;
  if (!raw) {
    raw = new Uint8Array(height * (1 + width * 4));
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set([255, 0, 0, 255], y * (1 + width * 4) + 1 + x * 4);
  }
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk("IHDR", header), pngChunk("IDAT", options.idat ?? (await deflate(raw))), pngChunk("IEND", new Uint8Array())];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    png.set(part, at);
    at += part.length;
  }
  return `data:image/png;base64,${btoa(String.fromCharCode(...png))}`;
}
