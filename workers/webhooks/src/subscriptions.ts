import { EVENT_TYPES } from "#shared/events";
import { invalid, ok, type Result } from "#shared/errors";

/**
 * An endpoint subscribes to event types by exact name (`policy.bound`), by family (`policy.*`)
 * or to everything (`*`). A family must name at least one known type, so a typo is an error at
 * creation rather than an endpoint that silently never receives anything.
 */
const FAMILIES = new Set(EVENT_TYPES.map((t) => t.slice(0, t.indexOf("."))));
const KNOWN = new Set<string>(EVENT_TYPES);

export const MAX_SUBSCRIPTIONS = 50;

/** Validates and de-duplicates an endpoint's `events`; unknown entries are named in the error. */
export function parseSubscriptions(events: unknown): Result<string[]> {
  if (!Array.isArray(events) || events.length === 0) {
    return invalid("events", "required", "events must be a non-empty array of event types, `family.*` or `*`");
  }
  if (events.length > MAX_SUBSCRIPTIONS) return invalid("events", "max_items", `events may list at most ${MAX_SUBSCRIPTIONS} entries`);
  const unknown = events.filter((e) => !isValidSubscription(e));
  if (unknown.length > 0) {
    return invalid("events", "event_type", `events contains unknown event types: ${unknown.map((e) => JSON.stringify(e)).join(", ")}`);
  }
  return ok([...new Set(events as string[])]);
}

function isValidSubscription(entry: unknown): boolean {
  if (typeof entry !== "string") return false;
  if (entry === "*" || KNOWN.has(entry)) return true;
  return entry.endsWith(".*") && FAMILIES.has(entry.slice(0, -2));
}

/** True when any of `subscriptions` covers `eventType`. */
export function matchesSubscription(subscriptions: readonly string[], eventType: string): boolean {
  return subscriptions.some(
    (s) => s === "*" || s === eventType || (s.endsWith(".*") && eventType.startsWith(s.slice(0, -1))),
  );
}
