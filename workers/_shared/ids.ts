import { monotonicFactory } from "ulid";

/** Type prefixes of every public id (DECISIONS.md, "API surface"). */
export type IdPrefix =
  | "org" | "usr" | "key" | "sub" | "qte" | "pol" | "txn" | "clm" | "rsv" | "inv" | "pay"
  | "doc" | "whk" | "whd" | "evt" | "prd" | "apt" | "room" | "msg" | "ref" | "req"
  | "ses" | "eml" | "vcd" | "da" | "rtk" | "crt"
  | "res" | "cpy" | "stl" | "att"
  | "rfd" | "cdt"
  | "flg"
  | "ins" | "otp" | "ptk"
  // Portal: notifications to insureds and their push deliveries.
  | "ntf" | "psh"
  | "com"
  // Market: carriers, carrier products, appetites, clients (prospects), terms acceptances, rules.
  | "car" | "cpr" | "ape" | "cli" | "tac" | "rul"
  // Workspace: recorded usage entries, invitations.
  | "ent" | "itn"
  // Partners: partners, attribution events, partner commissions; clicks (internal, never shown).
  | "prt" | "atr" | "pcm" | "clk"
  // Workspace connectors: LLM keys, email templates, email log entries.
  | "llk" | "etp" | "elg";

const nextUlid = monotonicFactory();

/** A new prefixed ULID, e.g. `sub_01J8K3M4N5P6Q7R8S9T0V1W2X3`; sorts by creation time. */
export function newId<P extends IdPrefix>(prefix: P): `${P}_${string}` {
  return `${prefix}_${nextUlid()}`;
}

const ULID_BODY = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** True when `id` has the given prefix and a well-formed ULID body. */
export function isId(prefix: IdPrefix, id: string): boolean {
  const [head, body] = id.split("_", 2);
  return head === prefix && body !== undefined && ULID_BODY.test(body) && id.length === prefix.length + 27;
}
