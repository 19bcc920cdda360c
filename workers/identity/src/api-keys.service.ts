/**
 * API keys: `oik_live_…` / `oik_test_…`, stored as SHA-256 only with a display prefix; the key itself
 * is returned once, at creation or rotation. Authentication is on the hot path of every API-key request.
 */
import { API_KEY_PATTERN, hasScope, isKnownScope, SCOPE_PRESETS, type Principal, type RateLimitTier, type ScopePreset } from "#shared/auth";
import { randomToken, sha256Hex } from "#shared/crypto";
import { isUniqueViolation } from "#shared/db";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { pageSize, toPage, type Page, type PageQuery } from "#shared/pagination";
import * as repo from "./api-keys.repo.ts";
import type { IdentityDeps } from "./deps.ts";
import { isProduction, type IdentityEnv } from "./env.ts";
import type { ApiKeyRow } from "./schema.ts";
import type {
  ApiKey,
  ApiKeyIdentity,
  ApiKeyPreset,
  CreateApiKeyInput,
  CreatedApiKey,
  RotateApiKeyInput,
  RotatedApiKey,
} from "./types.ts";
import { parseDateTime, requireText } from "./validation.ts";

const PREFIX_LENGTH = 16;
const NAME_MAX = 100;
const MAX_SCOPES = 64;
/** `last_used_at` is advisory: record it at most once a minute per key. */
const LAST_USED_RESOLUTION_MS = 60_000;
const DEFAULT_GRACE_HOURS = 24;
const MAX_GRACE_HOURS = 720;
const TIERS: readonly RateLimitTier[] = ["sandbox", "standard", "enterprise"];

/** One answer for every authentication failure, so a response never tells which check failed. */
const UNAUTHORIZED = fail("unauthorized", "Invalid or missing credentials");

export const toApiKey = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes,
  rateLimitTier: row.rateLimitTier,
  expiresAt: row.expiresAt,
  lastUsedAt: row.lastUsedAt,
  revokedAt: row.revokedAt,
  createdAt: row.createdAt,
  rotatedFromId: row.rotatedFromId,
});

const isExpired = (row: Pick<ApiKeyRow, "expiresAt">, nowIso: string): boolean =>
  row.expiresAt !== null && row.expiresAt <= nowIso;

/** A fresh raw key and what is stored of it. */
async function mintKey(env: IdentityEnv): Promise<{ key: string; keyHash: string; prefix: string }> {
  const key = `${isProduction(env) ? "oik_live_" : "oik_test_"}${randomToken(32)}`;
  return { key, keyHash: await sha256Hex(key), prefix: key.slice(0, PREFIX_LENGTH) };
}

/**
 * Whether key `id` of `orgId` still works: not revoked, not expired. For connections that outlive
 * the request that authenticated them (deal-room sockets), which re-check at least once a minute.
 */
export async function apiKeyStatus(deps: IdentityDeps, orgId: string, id: string): Promise<{ active: boolean; expiresAt: string | null }> {
  if (typeof orgId !== "string" || typeof id !== "string") return { active: false, expiresAt: null };
  const row = await repo.findApiKey(deps.db, orgId, id);
  if (!row || row.revokedAt !== null || isExpired(row, new Date().toISOString())) return { active: false, expiresAt: null };
  return { active: true, expiresAt: row.expiresAt };
}

export async function authenticateApiKey(deps: IdentityDeps, rawKey: string): Promise<Result<ApiKeyIdentity>> {
  if (typeof rawKey !== "string" || !API_KEY_PATTERN.test(rawKey)) return UNAUTHORIZED;
  const row = await repo.findApiKeyByHash(deps.db, await sha256Hex(rawKey));
  const now = new Date();
  const nowIso = now.toISOString();
  if (!row || row.revokedAt !== null || isExpired(row, nowIso)) return UNAUTHORIZED;

  const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString();
  if (row.lastUsedAt === null || row.lastUsedAt < staleBefore) {
    deps.background(repo.touchApiKey(deps.db, row.id, nowIso, staleBefore).run());
  }
  return ok({
    keyId: row.id,
    lineageId: row.lineageId ?? row.id,
    orgId: row.orgId,
    scopes: row.scopes,
    rateLimitTier: row.rateLimitTier,
    expiresAt: row.expiresAt,
    name: row.name,
  });
}

/** The scopes a new key gets: explicit, else the preset's, else the creator's own. */
function resolveScopes(principal: Principal, input: CreateApiKeyInput): Result<string[]> {
  if (input.scopes !== undefined && input.preset !== undefined) {
    return fail("validation_failed", "Provide either scopes or preset, not both", { field: "scopes", rule: "exclusive" });
  }
  let requested: readonly unknown[];
  if (input.scopes !== undefined) {
    if (!Array.isArray(input.scopes)) return invalid("scopes", "array", "scopes must be an array of strings");
    requested = input.scopes;
  } else if (input.preset !== undefined) {
    if (!Object.hasOwn(SCOPE_PRESETS, input.preset)) {
      return fail("validation_failed", `Unknown scope preset "${String(input.preset)}"`, {
        field: "preset",
        rule: "known_preset",
        value: input.preset,
      });
    }
    requested = SCOPE_PRESETS[input.preset];
  } else {
    requested = principal.scopes;
  }

  if (requested.length === 0) return invalid("scopes", "non_empty", "A key needs at least one scope");
  if (requested.length > MAX_SCOPES) return invalid("scopes", "max_items", `At most ${MAX_SCOPES} scopes`);
  for (const scope of requested) {
    if (typeof scope !== "string" || !isKnownScope(scope)) {
      return fail("validation_failed", `Unknown scope "${String(scope)}"`, { field: "scopes", rule: "known_scope", value: String(scope) });
    }
  }
  return ok([...new Set(requested as string[])]);
}

/**
 * The highest tier `principal` may hand out. Users and the API secret may pick any tier; a key
 * may not hand out a tier above its own, just as it may not grant a scope it lacks.
 */
const tierCeiling = (principal: Principal) => (principal.kind === "api_key" ? TIERS.indexOf(principal.rateLimitTier) : TIERS.length - 1);

/** The tier a new key gets: the one asked for, else the environment's default capped at the caller's ceiling. */
function resolveTier(deps: IdentityDeps, principal: Principal, requested: RateLimitTier | undefined): Result<RateLimitTier> {
  if (requested === undefined) {
    const fallback: RateLimitTier = isProduction(deps.env) ? "standard" : "sandbox";
    return ok(TIERS[Math.min(TIERS.indexOf(fallback), tierCeiling(principal))]!);
  }
  if (!TIERS.includes(requested)) {
    return fail("validation_failed", `rateLimitTier must be one of ${TIERS.join(", ")}`, { field: "rateLimitTier", rule: "enum", value: requested });
  }
  return ok(requested);
}

/**
 * No escalation: a key, created or rotated, never holds more than the principal that issues it,
 * neither a scope the principal lacks nor (when the principal is itself a key) a higher tier.
 */
function checkGrant(principal: Principal, scopes: readonly string[], tier: RateLimitTier): Result<void> {
  for (const scope of scopes) {
    if (!hasScope(principal.scopes, scope)) {
      return fail("insufficient_scope", `Cannot grant scope "${scope}": the caller does not hold it`, { scope });
    }
  }
  if (TIERS.indexOf(tier) > tierCeiling(principal)) {
    return fail("insufficient_scope", `Cannot grant rate-limit tier "${tier}": the calling key is on "${principal.rateLimitTier}"`, {
      field: "rateLimitTier",
      tier,
    });
  }
  return ok(undefined);
}

export async function createApiKey(
  deps: IdentityDeps,
  principal: Principal,
  input: CreateApiKeyInput,
): Promise<Result<CreatedApiKey>> {
  const name = requireText(input?.name, "name", NAME_MAX);
  if (!name.ok) return name;
  const scopes = resolveScopes(principal, input);
  if (!scopes.ok) return scopes;

  const tier = resolveTier(deps, principal, input.rateLimitTier);
  if (!tier.ok) return tier;
  const grant = checkGrant(principal, scopes.value, tier.value);
  if (!grant.ok) return grant;

  const now = new Date();
  let expiresAt: string | null = null;
  if (input.expiresAt !== undefined && input.expiresAt !== null) {
    const parsed = parseDateTime(input.expiresAt, "expiresAt");
    if (!parsed.ok) return parsed;
    if (parsed.value.getTime() <= now.getTime()) return invalid("expiresAt", "future", "expiresAt must be in the future");
    expiresAt = parsed.value.toISOString();
  }

  const minted = await mintKey(deps.env);
  const id = newId("key");
  const row: ApiKeyRow = {
    id,
    orgId: principal.orgId,
    name: name.value,
    keyHash: minted.keyHash,
    prefix: minted.prefix,
    scopes: scopes.value,
    rateLimitTier: tier.value,
    expiresAt,
    lastUsedAt: null,
    revokedAt: null,
    rotatedFromId: null,
    lineageId: id,
    createdBy: principal.actorId,
    createdAt: now.toISOString(),
  };
  await repo.insertApiKey(deps.db, row);
  return ok({ ...toApiKey(row), key: minted.key });
}

export async function listApiKeys(
  deps: IdentityDeps,
  principal: Principal,
  query: PageQuery | undefined,
): Promise<Result<Page<ApiKey>>> {
  const rows = await repo.listApiKeys(deps.db, principal.orgId, query);
  if (!rows.ok) return rows;
  return ok(toPage(rows.value, pageSize(query?.limit), toApiKey));
}

export async function getApiKey(deps: IdentityDeps, principal: Principal, id: string): Promise<Result<ApiKey>> {
  const row = typeof id === "string" ? await repo.findApiKey(deps.db, principal.orgId, id) : undefined;
  return row ? ok(toApiKey(row)) : notFound("API key");
}

/**
 * The SHA-256 that names a key's admitting Durable Object at the gateway, so that revocation and
 * rotation can tell it to drop its cached record. Internal: never part of a public response.
 */
export async function getApiKeyHash(deps: IdentityDeps, principal: Principal, id: string): Promise<Result<string>> {
  const row = typeof id === "string" ? await repo.findApiKey(deps.db, principal.orgId, id) : undefined;
  return row ? ok(row.keyHash) : notFound("API key");
}

/** Idempotent; the very next `authenticateApiKey` with this key fails. */
/**
 * Revokes a key at once (idempotent). It takes the same grant as rotating it: a caller may revoke
 * only a key whose scopes and tier it could hand out itself, so a narrow key cannot switch off the
 * org's broader ones.
 */
export async function revokeApiKey(deps: IdentityDeps, principal: Principal, id: string): Promise<Result<ApiKey>> {
  const key = typeof id === "string" ? await repo.findApiKey(deps.db, principal.orgId, id) : undefined;
  if (!key) return notFound("API key");
  const grant = checkGrant(principal, key.scopes, key.rateLimitTier);
  if (!grant.ok) return grant;
  const row = await repo.revokeApiKey(deps.db, principal.orgId, id, new Date().toISOString());
  return row ? ok(toApiKey(row)) : notFound("API key");
}

/**
 * Issues a successor with the same name, scopes, tier, expiry and lineage (it is the same principal), and lets the old key live on for
 * the grace period (never longer than it would have anyway). A key is rotated at most once.
 */
export async function rotateApiKey(
  deps: IdentityDeps,
  principal: Principal,
  id: string,
  input: RotateApiKeyInput | undefined,
): Promise<Result<RotatedApiKey>> {
  const graceHours = input?.gracePeriodHours ?? DEFAULT_GRACE_HOURS;
  if (typeof graceHours !== "number" || !Number.isFinite(graceHours) || graceHours < 0 || graceHours > MAX_GRACE_HOURS) {
    return fail("validation_failed", `gracePeriodHours must be between 0 and ${MAX_GRACE_HOURS}`, {
      field: "gracePeriodHours",
      rule: "range",
      min: 0,
      max: MAX_GRACE_HOURS,
    });
  }

  const old = typeof id === "string" ? await repo.findApiKey(deps.db, principal.orgId, id) : undefined;
  if (!old) return notFound("API key");
  const now = new Date();
  const nowIso = now.toISOString();
  if (old.revokedAt !== null) return fail("invalid_state_transition", "A revoked API key cannot be rotated");
  if (isExpired(old, nowIso)) return fail("invalid_state_transition", "An expired API key cannot be rotated");
  if (await repo.findSuccessor(deps.db, old.id)) {
    return fail("invalid_state_transition", "This API key has already been rotated");
  }
  // The successor is handed to the caller, so the caller must be allowed to hold what it holds.
  const grant = checkGrant(principal, old.scopes, old.rateLimitTier);
  if (!grant.ok) return grant;

  const graceEnd = new Date(now.getTime() + graceHours * 3_600_000).toISOString();
  const previousKeyExpiresAt = old.expiresAt !== null && old.expiresAt < graceEnd ? old.expiresAt : graceEnd;
  const minted = await mintKey(deps.env);
  const row: ApiKeyRow = {
    id: newId("key"),
    orgId: principal.orgId,
    name: old.name,
    keyHash: minted.keyHash,
    prefix: minted.prefix,
    scopes: old.scopes,
    rateLimitTier: old.rateLimitTier,
    expiresAt: old.expiresAt,
    lastUsedAt: null,
    revokedAt: null,
    rotatedFromId: old.id,
    // The successor is the same principal as the key it replaces (segregation of duties).
    lineageId: old.lineageId ?? old.id,
    createdBy: principal.actorId,
    createdAt: nowIso,
  };

  let shortened: { id: string }[];
  try {
    [, shortened] = await deps.db.batch([
      repo.insertApiKey(deps.db, row),
      repo.expireApiKeyAt(deps.db, principal.orgId, old.id, previousKeyExpiresAt),
    ]);
  } catch (err) {
    // The unique index on rotated_from_id settles two concurrent rotations of the same key.
    if (isUniqueViolation(err, "api_keys.rotated_from_id")) {
      return fail("invalid_state_transition", "This API key has already been rotated");
    }
    throw err;
  }
  if (shortened.length === 0) {
    // Revoked between our read and the batch: the revocation wins, so the successor must not live.
    await repo.revokeApiKey(deps.db, principal.orgId, row.id, nowIso);
    return fail("invalid_state_transition", "A revoked API key cannot be rotated");
  }
  return ok({ ...toApiKey(row), key: minted.key, previousKeyId: old.id, previousKeyExpiresAt });
}

/** Static data: a bare value, not a Result (nothing can fail). */
export function listApiKeyPresets(): { data: ApiKeyPreset[] } {
  return { data: (Object.keys(SCOPE_PRESETS) as ScopePreset[]).map((name) => ({ name, scopes: [...SCOPE_PRESETS[name]] })) };
}
