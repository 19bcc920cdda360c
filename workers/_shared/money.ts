/**
 * Money is integer cents in storage and in every calculation (DECISIONS.md, "API surface").
 * JSON carries major units with at most two decimals; these are the only two crossings.
 */

/**
 * Major units from JSON → integer cents, exactly: the decimal text of the number is parsed,
 * so 8054.79 becomes 805479 without a floating-point multiply. Null when it has more than
 * two decimals, is negative-zero-ish garbage, or exceeds the safe integer range.
 */
export function toCents(major: number): number | null {
  if (!Number.isFinite(major)) return null;
  const text = Math.abs(major).toString();
  if (/e/i.test(text)) return null; // 1e21 or 1e-7: outside what money can be
  const [whole = "0", fraction = ""] = text.split(".");
  if (fraction.length > 2) return null;
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  if (!Number.isSafeInteger(cents)) return null;
  return major < 0 ? -cents : cents;
}

/** Integer cents → major units for JSON (the nearest double to the two-decimal value). */
export function fromCents(cents: number): number {
  return cents / 100;
}

/** `a × numerator / denominator` in cents, rounded half-up once, with integer (BigInt) arithmetic. */
export function mulDivRound(cents: number, numerator: number, denominator: number): number {
  if (denominator <= 0) throw new RangeError("denominator must be positive");
  const n = BigInt(cents) * BigInt(numerator);
  const d = BigInt(denominator);
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const q = (abs * 2n + d) / (2n * d); // half-up on the absolute value
  return Number(negative ? -q : q);
}

export const CURRENCY = "USD" as const;

/**
 * `cents × bps / 10000` exactly, as decimal text in major units (`-80.6845`): a commission before
 * its one rounding, shown beside it so anyone can recompute it (partner commissions).
 */
export function exactBpsOf(cents: number, bps: number): string {
  const product = BigInt(cents) * BigInt(bps); // in 1/1,000,000 of a major unit
  const negative = product < 0n;
  const abs = negative ? -product : product;
  const whole = abs / 1_000_000n;
  const fraction = (abs % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return `${negative && abs !== 0n ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}
