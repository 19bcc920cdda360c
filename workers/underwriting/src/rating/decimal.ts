/**
 * Exact decimal factors for rating. Rate-table factors are decimal text ("1.15", "0.925") so a
 * factor is exactly what the table says; here they become BigInt rationals and stay exact until a
 * figure is rounded to the cent, once, at its last step (DECISIONS.md, "API surface").
 */

/** An exact rational `num / den` with `den > 0`; never reduced (BigInt keeps the sizes harmless). */
export interface Ratio {
  readonly num: bigint;
  readonly den: bigint;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Decimal text → exact rational ("1.27" → 127/100). Throws on anything else: factors come from
 * rate-table data, so a malformed one is a bug in the table, not user input.
 */
export function parseDecimal(text: string): Ratio {
  const m = DECIMAL.exec(text);
  if (!m) throw new RangeError(`not a decimal: ${JSON.stringify(text)}`);
  const [, sign, whole = "0", fraction = ""] = m;
  const num = BigInt(whole + fraction);
  return { num: sign === "-" ? -num : num, den: 10n ** BigInt(fraction.length) };
}

/** An integer (cents, counts) as a rational. */
export const integer = (n: number | bigint): Ratio => ({ num: BigInt(n), den: 1n });

/** Exact product. */
export const mul = (a: Ratio, b: Ratio): Ratio => ({ num: a.num * b.num, den: a.den * b.den });

/** Exact quotient by a positive integer. */
export function divInt(a: Ratio, d: number | bigint): Ratio {
  const big = BigInt(d);
  if (big <= 0n) throw new RangeError("divisor must be positive");
  return { num: a.num, den: a.den * big };
}

/** −1, 0 or 1 as `a` is below, equal to or above `b`. */
export function compare(a: Ratio, b: Ratio): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/**
 * Round to the nearest integer, halves away from zero ("half-up on the absolute value", the same
 * rule as `mulDivRound` in #shared/money), so a negative figure rounds like its positive mirror.
 */
export function roundHalfUp(r: Ratio): bigint {
  const negative = r.num < 0n;
  const abs = negative ? -r.num : r.num;
  const q = (abs * 2n + r.den) / (2n * r.den);
  return negative ? -q : q;
}

/** Round down toward zero; only used for non-negative figures (later installments). */
export const floor = (r: Ratio): bigint => r.num / r.den;

/**
 * Rounded cents as a JS number. Throws when the figure is outside the safe-integer range: inputs
 * are bounded by validation, so reaching this is a bug rather than an expected outcome.
 */
export function toSafeCents(cents: bigint): number {
  const n = Number(cents);
  if (!Number.isSafeInteger(n)) throw new RangeError(`amount outside the safe-integer range: ${cents}`);
  return n;
}

/**
 * A ratio whose denominator is a power of ten (every product of decimal factors is one), as
 * decimal text with trailing zeros trimmed but at least `minFraction` digits: 121/100 → "1.21",
 * 1045/1000 → "1.045", 1/1 → "1.00". Throws for a non-terminating ratio (a bug here).
 */
export function formatDecimal(r: Ratio, minFraction = 2): string {
  let scale = 0;
  let den = r.den;
  while (den % 10n === 0n) {
    den /= 10n;
    scale++;
  }
  if (den !== 1n) throw new RangeError("not a terminating decimal");
  const negative = r.num < 0n;
  const digits = (negative ? -r.num : r.num).toString().padStart(scale + 1, "0");
  let whole = digits.slice(0, digits.length - scale);
  let fraction = digits.slice(digits.length - scale).replace(/0+$/, "");
  fraction = fraction.padEnd(minFraction, "0");
  whole = whole === "" ? "0" : whole;
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}
