/**
 * Who is calling, as the gateway established it. Crosses every RPC boundary as plain data.
 * The org always comes from here, never from a request body or URL.
 */
export type CredentialKind = "api_key" | "user" | "system" | "insured" | "partner";

export type RateLimitTier = "sandbox" | "standard" | "enterprise";

/**
 * The exact shape of an API key: `oik_live_` or `oik_test_` and 32 random bytes in base64url. Anything
 * else is refused before any lookup, so a random string costs no Durable Object or database read.
 */
export const API_KEY_PATTERN = /^oik_(live|test)_[A-Za-z0-9_-]{43}$/;

export interface Principal {
  kind: CredentialKind;
  /** The org every read and write is confined to. */
  orgId: string;
  /** Stable id of the credential: key id, user id, or "system". Rate limits and idempotency are scoped by it. */
  credentialId: string;
  /** The acting user or key, recorded as `actor` on transactions. */
  actorId: string;
  /**
   * Who acts, stable across credential rotation: an API key's lineage (the id of the first key of
   * its rotation chain, so a key and its rotations are one principal), a user's id (JWT `sub`), or
   * "system". Segregation of duties compares this, while `actorId` stays the exact credential for
   * audit trails. The gateway always sets it; read it through {@link principalIdOf}.
   */
  principalId?: string;
  role: Role | null;
  scopes: string[];
  rateLimitTier: RateLimitTier;
  /** When the credential stops working (API key expiry or JWT `exp`); null when it does not. */
  expiresAt: string | null;
  /** What to call the actor where people read it (deal-room messages): the key's or the user's name. */
  displayName?: string;
  /**
   * The org's sandbox clock, as milliseconds ahead of real time (behind when negative). Set only by
   * the gateway and only where sandbox clocks are enabled; absent means real time. Read it through
   * `clockOf` (`#shared/clock`), never directly.
   */
  clockOffsetMs?: number;
  /**
   * The producer record a `producer` user sells as (`prd_…`), stamped by the gateway from the
   * producers worker's link; a `producer` user without one gets an empty string and sees no book.
   * Submission, policy and commission reads confine themselves to it when set.
   */
  producerId?: string;
  /**
   * The partner (`prt_…`) a partner JWT (`kind: "partner"`) is bound to: the gateway lets it reach
   * only that partner's own reads, and the partners worker answers another partner's id as 404.
   */
  partnerId?: string;
}

/** `principal`'s stable id ({@link Principal.principalId}); a principal built without one is its credential. */
export const principalIdOf = (principal: Pick<Principal, "principalId" | "actorId">): string => principal.principalId ?? principal.actorId;

export const ROLES = ["org_admin", "underwriter", "producer", "claims_adjuster", "billing", "viewer"] as const;
export type Role = (typeof ROLES)[number];

/** Every `resource:action` scope the platform knows (DECISIONS.md, "Credentials"). */
export const ALL_SCOPES = [
  "submissions:read", "submissions:write",
  "policies:read", "policies:write",
  "claims:read", "claims:write",
  // Reserves or payments that take a claim's incurred above 100,000.00: held apart from `claims:write`
  // so an adjuster's own authority stops there (org_admin's `*` and a key granted it go beyond).
  "claims:approve",
  "invoices:read", "invoices:write",
  "documents:read", "documents:write",
  "coi:generate",
  "webhooks:read", "webhooks:write",
  "producers:read", "producers:write",
  "deal-rooms:read", "deal-rooms:write",
  "referrals:read", "referrals:write",
  // Deciding a referral: held apart from `referrals:write` so the one who refers is not the one who approves.
  "referrals:approve",
  "flags:read", "flags:write",
  "analytics:read",
  "api-keys:read", "api-keys:write",
  "orgs:read", "orgs:write",
  // The market finder (carriers, appetites, matching), prospects before they are submissions, and the rule studio.
  "market:read", "market:write",
  "clients:read", "clients:write",
  "rules:read", "rules:write",
  // Plans and metered usage: the summary and checks, and usage an integrator records itself.
  "entitlements:read", "entitlements:write",
  // The team: members and invitations.
  "team:read", "team:write",
  // OpenPartner: a partner integration records attribution events; partners and their commissions.
  "events:write",
  "partners:read", "partners:write",
  "commissions:read",
  // Connectors: the org's LLM keys (sealed, never returned) and the email connector (templates, send, logs).
  "connectors:read", "connectors:write",
] as const;
export type Scope = (typeof ALL_SCOPES)[number];

const READ_SCOPES = ALL_SCOPES.filter((s) => s.endsWith(":read"));

/** What an underwriter does every day: quote, refer and bind, but not decide referrals; read (not change) the rules that judge the quotes. */
const UNDERWRITING_SCOPES = ["submissions:read", "submissions:write", "policies:read", "policies:write", "referrals:read", "referrals:write", "deal-rooms:read", "deal-rooms:write", "documents:read", "coi:generate", "analytics:read", "rules:read"] as const;

/** What a claims adjuster does every day: file, investigate, reserve and pay up to 100,000.00 incurred. */
const CLAIMS_SCOPES = ["claims:read", "claims:write", "policies:read", "documents:read", "documents:write"] as const;

/** Finding markets and keeping prospects: read the market finder, read and write clients. */
const MARKET_FINDER_SCOPES = ["market:read", "clients:read", "clients:write"] as const;

/**
 * Named presets expanding to scope lists (the OpenProspect convention). Segregation of duties:
 * `underwriting` refers but cannot decide a referral; `underwriting_manager` adds
 * `referrals:approve`, and even then never on a quote or referral it created itself. Likewise
 * `claims` (the adjuster's role) stops at 100,000.00 incurred on a claim; `claims_manager` adds
 * `claims:approve` to go beyond.
 */
export const SCOPE_PRESETS = {
  underwriting: UNDERWRITING_SCOPES,
  underwriting_manager: [...UNDERWRITING_SCOPES, "referrals:approve"],
  claims: CLAIMS_SCOPES,
  claims_manager: [...CLAIMS_SCOPES, "claims:approve"],
  billing: ["invoices:read", "invoices:write", "policies:read", "documents:read"],
  read_only: READ_SCOPES,
  full_access: ["*"],
  // Who keeps the org's underwriting rules: writes and simulates them over the submissions they judge.
  rules_admin: ["rules:read", "rules:write", "submissions:read"],
  // The market finder's personas (the Chrome extension's broker): look up who writes a risk and keep
  // prospects; the manager also adds the org's own carriers and appetites; client intake also turns a
  // prospect into a submission (POST /v1/clients/{id}/submission needs submissions:write).
  market_finder: MARKET_FINDER_SCOPES,
  market_manager: [...MARKET_FINDER_SCOPES, "market:write"],
  client_intake: [...MARKET_FINDER_SCOPES, "submissions:read", "submissions:write"],
  /** A partner's integration (the OpenPartner bundle): report attribution events, read partners and commissions, manage partners. */
  partner_integration: ["events:write", "partners:read", "partners:write", "commissions:read"],
  /** Who runs the org's connectors: its LLM keys and the email connector's templates, sends and logs. */
  connectors_admin: ["connectors:read", "connectors:write"],
} as const satisfies Record<string, readonly string[]>;
export type ScopePreset = keyof typeof SCOPE_PRESETS;

/** Default scopes of each role; a user's JWT carries these. */
export const ROLE_SCOPES: Record<Role, readonly string[]> = {
  org_admin: ["*"],
  // An underwriter reads producers (who may sell what, where) but does not manage them.
  underwriter: [...SCOPE_PRESETS.underwriting, "producers:read"],
  producer: ["submissions:read", "submissions:write", "policies:read", "producers:read", "deal-rooms:read", "deal-rooms:write", "coi:generate", "documents:read"],
  claims_adjuster: SCOPE_PRESETS.claims,
  billing: SCOPE_PRESETS.billing,
  viewer: READ_SCOPES,
};

/** True when `granted` covers `required` (`*` covers all, `claims:*` covers `claims:read`). */
export function hasScope(granted: readonly string[], required: string): boolean {
  const [resource] = required.split(":");
  return granted.some((g) => g === "*" || g === required || g === `${resource}:*`);
}

export const isKnownScope = (s: string): boolean =>
  s === "*" || (ALL_SCOPES as readonly string[]).includes(s) || ALL_SCOPES.some((k) => k.split(":")[0] + ":*" === s);
