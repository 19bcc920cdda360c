import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createTenant, json } from "../gateway/harness.ts";

/**
 * The platform booted with the production vars every wrangler.toml ships (no .dev.vars): the
 * `production` project runs the gateway and every domain worker with `ENVIRONMENT = "production"`.
 */
describe("production configuration", () => {
  it("is what the workers were booted with", () => {
    expect(env.ENVIRONMENT).toBe("production");
  });

  it("issues oik_live_ keys on the standard tier by default", async () => {
    const { token } = await createTenant();
    const res = await call("POST", "/v1/api-keys", { token, body: { name: "live integration", preset: "full_access" } });
    expect(res.status).toBe(201);
    const key = await json(res);
    expect(key.key).toMatch(/^oik_live_/);
    expect(key.prefix).toMatch(/^oik_live_/);
    expect(key.rateLimitTier).toBe("standard");

    // The live key authenticates and reports its tier.
    const validated = await json(await call("GET", "/v1/auth/validate", { apiKey: key.key }));
    expect(validated).toMatchObject({ valid: true, rateLimitTier: "standard" });
  });

  it("accepts only public https webhook URLs, whatever WEBHOOK_ALLOW_LOOPBACK says", async () => {
    const { apiKey } = await createTenant();
    for (const url of ["http://hooks.example.com/openinsure", "http://127.0.0.1:9/hook", "https://127.0.0.1/hook", "https://localhost/hook", "https://[::1]/hook"]) {
      const res = await call("POST", "/v1/webhooks", { apiKey, body: { url, events: ["*"] } });
      expect(res.status, url).toBe(400);
      expect((await json(res)).details.field, url).toBe("url");
    }
    const accepted = await call("POST", "/v1/webhooks", { apiKey, body: { url: "https://hooks.example.com/openinsure", events: ["*"] } });
    expect(accepted.status).toBe(201);
  });

  it("has no /v1/sandbox/* routes, not even for the API secret", async () => {
    for (const path of ["/v1/sandbox/emails", "/v1/sandbox/emails?limit=1", "/v1/sandbox/clock", "/v1/sandbox/push"]) {
      const res = await call("GET", path, { token: env.API_SECRET });
      expect(res.status, path).toBe(404);
      expect((await json(res)).error, path).toBe("route_not_found");
    }
    const post = await call("POST", "/v1/sandbox/clock", { token: env.API_SECRET, body: { advanceDays: 1 } });
    expect(post.status).toBe(404);
    expect((await json(post)).error).toBe("route_not_found");    // Nor the delinquency job's sandbox run.
    const run = await call("POST", "/v1/sandbox/billing/run-delinquency", { token: env.API_SECRET, body: {} });
    expect(run.status).toBe(404);
    expect((await json(run)).error).toBe("route_not_found");
  });

  it("keeps no verification code in any stored email", async () => {
    const email = `prod-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const signup = await call("POST", "/auth/signup", { body: { email, password: "correct horse battery staple", name: "Production Person" } });
    expect(signup.status).toBe(201);

    const stored = await env.IDENTITY_DB.prepare("SELECT subject, body FROM outbox_emails WHERE to_address = ?").bind(email).all<{ subject: string; body: string }>();
    expect(stored.results).toHaveLength(1);
    for (const row of stored.results) {
      expect(row.body).not.toMatch(/\d{6}/);
      expect(row.body).toContain("••••••");
    }
    // The code itself is stored only as a hash.
    const codes = await env.IDENTITY_DB.prepare(
      "SELECT c.* FROM verification_codes c JOIN users u ON u.id = c.user_id WHERE u.email = ?",
    )
      .bind(email)
      .all<Record<string, unknown>>();
    expect(codes.results).toHaveLength(1);
    for (const value of Object.values(codes.results[0]!)) expect(String(value)).not.toMatch(/^\d{6}$/);
  });
});
