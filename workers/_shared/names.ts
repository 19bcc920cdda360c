/**
 * How a worker's registry name becomes the names others hold for it. Pure, so both the registry
 * (read in Node) and the workers (the events consumer's source lookup) use the same rule.
 */

/** A registry name: lowercase kebab-case. Anything else names no worker and no event source. */
export const WORKER_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * The binding its callers hold to a worker, and the one through which the webhooks worker reads
 * that worker's events: the name in SCREAMING_SNAKE (`underwriting` → `UNDERWRITING`,
 * `deal-rooms` → `DEAL_ROOMS`).
 */
export function bindingOf(name: string): string {
  return name.toUpperCase().replace(/-/g, "_");
}

/**
 * The binding of an events queue: `WEBHOOK_EVENTS` (the webhooks worker's) and one `<NAME>_EVENTS`
 * per other consumer of the domain events (`BILLING_EVENTS`). A Cloudflare queue has exactly one
 * consumer worker, so each consumer reads its own queue and every outbox relay sends to each of them
 * (`eventQueues` in #shared/outbox finds them by this name). The registry generates these producer
 * bindings and refuses any other binding so named.
 */
export const EVENTS_QUEUE_BINDING = /^[A-Z][A-Z0-9_]*_EVENTS$/;
