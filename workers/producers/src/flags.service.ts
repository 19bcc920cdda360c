/**
 * Feature flags: the one evaluator (DECISIONS.md, "Producers, commissions, flags"). Each flag of
 * the committed catalogue (`#shared/flags.catalogue`) evaluates, for an org, to the org's override
 * when it has one that fits the flag's type, else to the global default, with the `source` and a
 * `reason` saying which. Overrides live in D1 behind the org's FlagStore object (flag-store.do.ts),
 * which every read and write here goes through.
 */
import { hasScope, type Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { fail, invalid, ok, type Result } from "#shared/errors";
import { definitionOf, FLAG_KEYS, fitsFlag, flagValueIssue, isFlagKey, type FlagKey, type FlagValue } from "#shared/flags.catalogue";
import type { EvaluatedFlag } from "#shared/rpc";
import type { FlagStore } from "./flag-store.do.ts";
import type { FlagOverrideRow } from "./schema.ts";

/** The scope that writes flags; only the `org_admin` role holds it (its `*`), and keys it grants it to. */
export const WRITE_SCOPE = "flags:write";

/** The org's FlagStore object. */
export type FlagStores = DurableObjectNamespace<FlagStore>;

const storeOf = (stores: FlagStores, orgId: string) => stores.getByName(orgId);

/** One flag, evaluated from its definition and the org's override (if any). */
export function evaluateFlag(key: FlagKey, override: Pick<FlagOverrideRow, "id" | "value" | "updatedAt" | "updatedBy"> | undefined): EvaluatedFlag {
  const definition = definitionOf(key);
  const base = { key, type: definition.type, defaultValue: definition.defaultValue, description: definition.description };
  if (override && fitsFlag(definition, override.value)) {
    return {
      ...base,
      value: override.value,
      source: "org",
      reason: `Set for the org by ${override.updatedBy} at ${override.updatedAt}.`,
      overrideId: override.id,
      updatedAt: override.updatedAt,
      updatedBy: override.updatedBy,
    };
  }
  return {
    ...base,
    value: definition.defaultValue,
    source: "default",
    // An override the catalogue no longer accepts (its type or rule changed since) is ignored, and said so.
    reason: override
      ? `The org's value (set by ${override.updatedBy} at ${override.updatedAt}) no longer fits the flag's ${definition.type} type or rule, so the global default applies.`
      : "The org has no override: the global default applies.",
    overrideId: null,
    updatedAt: null,
    updatedBy: null,
  };
}

/** Every catalogue flag evaluated against `overrides` (an override of a key no longer in the catalogue is ignored). */
export function evaluateFlags(overrides: readonly FlagOverrideRow[]): EvaluatedFlag[] {
  const byKey = new Map(overrides.map((o) => [o.key, o]));
  return FLAG_KEYS.map((key) => evaluateFlag(key, byKey.get(key)));
}

/** The org's flags, evaluated: what every worker reads (`ProducersInternal.flags`). */
export async function flagsFor(stores: FlagStores, orgId: string): Promise<Result<EvaluatedFlag[]>> {
  return ok(evaluateFlags(await storeOf(stores, orgId).overrides(orgId)));
}

const unknownFlag = (key: string) => fail("not_found", `No flag ${JSON.stringify(key)} in the catalogue`, { key });

export async function listFlags(stores: FlagStores, principal: Principal): Promise<Result<{ data: EvaluatedFlag[] }>> {
  const flags = await flagsFor(stores, principal.orgId);
  return flags.ok ? ok({ data: flags.value }) : flags;
}

export async function getFlag(stores: FlagStores, principal: Principal, key: string): Promise<Result<EvaluatedFlag>> {
  if (!isFlagKey(key)) return unknownFlag(key);
  const overrides = await storeOf(stores, principal.orgId).overrides(principal.orgId);
  return ok(evaluateFlag(key, overrides.find((o) => o.key === key)));
}

/** Checked here as well as at the gateway, so the rule holds for any caller of the RPC. */
const canWrite = (principal: Principal): Result<null> =>
  hasScope(principal.scopes, WRITE_SCOPE) ? ok(null) : fail("insufficient_scope", `Changing a flag requires the ${WRITE_SCOPE} scope`, { requiredScope: WRITE_SCOPE });

/** Sets the org's value of `key`: the key must be in the catalogue (404) and the value of its type and rule (400 naming `value`). */
export async function setFlag(stores: FlagStores, principal: Principal, key: string, value: unknown): Promise<Result<EvaluatedFlag>> {
  const allowed = canWrite(principal);
  if (!allowed.ok) return allowed;
  if (!isFlagKey(key)) return unknownFlag(key);
  const definition = definitionOf(key);
  const issue = flagValueIssue(definition, value);
  if (issue) return invalid("value", issue.rule, `${issue.message} for ${key} (a ${definition.type} flag)`);
  const at = clockOf(principal).now().toISOString();
  const row = await storeOf(stores, principal.orgId).set(principal.orgId, key, value as FlagValue, principal.actorId, at);
  return ok(evaluateFlag(key, row));
}

/** Removes the org's override of `key` (none is not an error) and answers the flag as it now evaluates: the default. */
export async function deleteFlag(stores: FlagStores, principal: Principal, key: string): Promise<Result<EvaluatedFlag>> {
  const allowed = canWrite(principal);
  if (!allowed.ok) return allowed;
  if (!isFlagKey(key)) return unknownFlag(key);
  await storeOf(stores, principal.orgId).remove(principal.orgId, key);
  return ok(evaluateFlag(key, undefined));
}
