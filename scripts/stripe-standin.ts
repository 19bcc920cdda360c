/**
 * `tsx scripts/stripe-standin.ts`: the local Stripe stand-in on its own (scripts/lib/stripe-standin.ts),
 * with the secrets of .dev.vars. `npm run dev` starts the same server itself; this is for pointing
 * another process at it. Environment: STRIPE_STANDIN_PORT (default 12111), STRIPE_WEBHOOK_URL
 * (default http://127.0.0.1:8787/webhooks/stripe).
 */
import { devVar } from "./lib/sandbox.ts";
import { startStripeStandIn } from "./lib/stripe-standin.ts";

const standIn = await startStripeStandIn({
  port: Number(process.env.STRIPE_STANDIN_PORT ?? 12111),
  secretKey: devVar("STRIPE_SECRET_KEY"),
  webhookSecret: devVar("STRIPE_WEBHOOK_SECRET"),
  webhookUrl: process.env.STRIPE_WEBHOOK_URL ?? "http://127.0.0.1:8787/webhooks/stripe",
  log: (line) => console.log(line),
});
console.log(`Stripe stand-in on ${standIn.url} (STRIPE_API_BASE=${standIn.url})`);
const stop = () => void standIn.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
