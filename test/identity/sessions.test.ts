import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "#shared/crypto";
import { verifyJwt } from "#shared/jwt";
import { createDeps } from "../../workers/identity/src/deps.ts";
import { listSandboxEmails } from "../../workers/identity/src/outbox.service.ts";
import { db, errorOf, identity, principalFor, randomEmail, unique, unwrap } from "./factories.ts";
import { realNow } from "../support/clock.ts";

const PASSWORD = "correct horse battery staple";

/** The newest verification code emailed to `email`, read from the sandbox email log. */
async function latestCode(email: string): Promise<string> {
  const { data } = unwrap(await identity.listSandboxEmails({ to: email, limit: 1 }));
  const match = data[0]?.body.match(/\b(\d{6})\b/);
  if (!match?.[1]) throw new Error(`no verification code emailed to ${email}`);
  return match[1];
}

async function signupUser(overrides: { name?: string; orgName?: string } = {}) {
  const email = randomEmail();
  const signedUp = unwrap(await identity.signup({ email, password: PASSWORD, name: overrides.name ?? "Dana Tester", orgName: overrides.orgName }));
  return { email, userId: signedUp.userId, signedUp };
}

async function verifiedUser() {
  const user = await signupUser();
  unwrap(await identity.verifyEmail({ email: user.email, code: await latestCode(user.email) }));
  return user;
}

const backdate = (table: string, column: string, userId: string, ms: number) =>
  db()
    .prepare(`UPDATE ${table} SET ${column} = ? WHERE user_id = ?`)
    .bind(new Date(realNow() - ms).toISOString(), userId)
    .run();

describe("the session flow", () => {
  it("signup → emailed code → verify → login → profile → JWT → logout", async () => {
    const email = randomEmail();
    const signedUp = unwrap(await identity.signup({ email: `  ${email.toUpperCase()} `, password: PASSWORD, name: "Dana Tester" }));
    expect(signedUp).toEqual({ userId: expect.stringMatching(/^usr_[0-9A-Z]{26}$/), email, status: "pending_verification" });

    const { data: emails } = unwrap(await identity.listSandboxEmails({ to: email }));
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ to: email, kind: "verification_code", subject: expect.stringContaining("verification code") });
    const code = await latestCode(email);

    expect(unwrap(await identity.verifyEmail({ email, code }))).toEqual({ verified: true, userId: signedUp.userId });
    const codeRow = await db().prepare("SELECT * FROM verification_codes WHERE user_id = ?").bind(signedUp.userId).first();
    expect(codeRow).toBeNull();

    const session = unwrap(await identity.login({ email: email.toUpperCase(), password: PASSWORD }));
    expect(session.sessionToken).toMatch(/^oiss_[A-Za-z0-9_-]{43}$/);
    const ttl = Date.parse(session.expiresAt) - realNow();
    expect(ttl).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * 86_400_000);
    expect(session.user).toMatchObject({ id: signedUp.userId, email, name: "Dana Tester", role: "org_admin", emailVerified: true });

    // The org was created alongside the user, named after them.
    const org = unwrap(await identity.getOrg(principalFor(session.user.orgId), session.user.orgId));
    expect(org.name).toBe("Dana Tester's organisation");
    // The suffix is the random part of the org's own id, so namesakes never collide.
    expect(org.slug).toBe(`dana-tester-s-organisation-${org.id.slice(-16).toLowerCase()}`);

    expect(unwrap(await identity.getProfile(session.sessionToken))).toEqual(session.user);

    const jwt = unwrap(await identity.exchangeSession(session.sessionToken));
    expect(jwt.tokenType).toBe("Bearer");
    const claims = await verifyJwt(jwt.token, env.JWT_SECRET);
    expect(claims).toMatchObject({ sub: signedUp.userId, orgId: session.user.orgId, role: "org_admin", scopes: ["*"], typ: "user", name: "Dana Tester" });
    expect(Date.parse(jwt.expiresAt) - realNow()).toBeLessThanOrEqual(3_600_000);
    expect(await verifyJwt(jwt.token, "some-other-secret-0123456789abcdef")).toBeNull();

    expect(unwrap(await identity.logout(session.sessionToken))).toEqual({ loggedOut: true });
    expect(errorOf(await identity.getProfile(session.sessionToken)).code).toBe("unauthorized");
    expect(errorOf(await identity.exchangeSession(session.sessionToken)).code).toBe("unauthorized");
    expect(errorOf(await identity.logout(session.sessionToken)).code).toBe("unauthorized");
  });

  it("uses orgName for the new org when given", async () => {
    const orgName = `Harbor Mutual ${unique()}`;
    const { email } = await signupUser({ orgName });
    unwrap(await identity.verifyEmail({ email, code: await latestCode(email) }));
    const { user } = unwrap(await identity.login({ email, password: PASSWORD }));
    expect(unwrap(await identity.getOrg(principalFor(user.orgId), user.orgId)).name).toBe(orgName);
  });

  it("gives namesake orgs distinct slugs within the 63-character limit, however long the name", async () => {
    const orgName = `${"Very Long Insurance Brokerage Name ".repeat(4)}${unique()}`;
    const slugs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { email } = await signupUser({ orgName });
      unwrap(await identity.verifyEmail({ email, code: await latestCode(email) }));
      const { user } = unwrap(await identity.login({ email, password: PASSWORD }));
      slugs.push(unwrap(await identity.getOrg(principalFor(user.orgId), user.orgId)).slug);
    }
    expect(new Set(slugs).size).toBe(5);
    for (const slug of slugs) expect(slug.length).toBeLessThanOrEqual(63);
  });

  it("stores the password, code and session token as hashes only", async () => {
    const { email, userId } = await signupUser();
    const code = await latestCode(email);
    const user = await db().prepare("SELECT password_hash FROM users WHERE id = ?").bind(userId).first<{ password_hash: string }>();
    expect(user?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    const stored = await db().prepare("SELECT code_hash FROM verification_codes WHERE user_id = ?").bind(userId).first<{ code_hash: string }>();
    expect(stored?.code_hash).toBe(await sha256Hex(`${userId}:${code}`));

    unwrap(await identity.verifyEmail({ email, code }));
    const { sessionToken } = unwrap(await identity.login({ email, password: PASSWORD }));
    const session = await db().prepare("SELECT token_hash FROM sessions WHERE user_id = ?").bind(userId).first<{ token_hash: string }>();
    expect(session?.token_hash).toBe(await sha256Hex(sessionToken));
  });
});

describe("signup", () => {
  it("answers conflict for an email already registered, whatever its case", async () => {
    const { email } = await signupUser();
    const error = errorOf(await identity.signup({ email: ` ${email.toUpperCase()}`, password: PASSWORD, name: "Other" }));
    expect(error.code).toBe("conflict");
    const users = await db().prepare("SELECT count(*) AS n FROM users WHERE email = ?").bind(email).first<{ n: number }>();
    expect(users?.n).toBe(1);
  });

  it("validates email, password and name", async () => {
    const bad = async (input: Record<string, unknown>) =>
      errorOf(await identity.signup({ email: randomEmail(), password: PASSWORD, name: "N", ...input } as never)).details;
    expect(await bad({ email: "not-an-email" })).toMatchObject({ field: "email", rule: "email" });
    expect(await bad({ password: "short" })).toMatchObject({ field: "password", rule: "min_length" });
    expect(await bad({ name: "" })).toMatchObject({ field: "name", rule: "required" });
  });
});

describe("verifyEmail", () => {
  it("rejects a wrong code, and an unknown email the same way", async () => {
    const { email, userId } = await signupUser();
    const code = await latestCode(email);
    const wrong = code === "000000" ? "111111" : "000000";
    const error = errorOf(await identity.verifyEmail({ email, code: wrong }));
    expect(error).toEqual({ code: "validation_failed", message: "Invalid verification code", details: { field: "code", rule: "invalid" } });
    expect(errorOf(await identity.verifyEmail({ email: randomEmail(), code }))).toEqual(error);
    expect(errorOf(await identity.verifyEmail({ email, code: "12ab56" }))).toEqual(error);

    const attempts = await db().prepare("SELECT attempts FROM verification_codes WHERE user_id = ?").bind(userId).first<{ attempts: number }>();
    expect(attempts?.attempts).toBe(1);
    // The right code still works after a wrong one.
    unwrap(await identity.verifyEmail({ email, code }));
    // And once used, it cannot be replayed.
    expect(errorOf(await identity.verifyEmail({ email, code }))).toEqual(error);
  });

  it("kills the code after five wrong attempts, even the right code", async () => {
    const { email, userId } = await signupUser();
    const code = await latestCode(email);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) {
      expect(errorOf(await identity.verifyEmail({ email, code: wrong })).details).toMatchObject({ rule: "invalid" });
    }
    const dead = errorOf(await identity.verifyEmail({ email, code }));
    expect(dead).toMatchObject({ code: "validation_failed", details: { field: "code", rule: "attempts_exceeded" } });
    const row = await db().prepare("SELECT attempts FROM verification_codes WHERE user_id = ?").bind(userId).first<{ attempts: number }>();
    expect(row?.attempts).toBe(5);
    expect(errorOf(await identity.login({ email, password: PASSWORD })).code).toBe("business_rule_violation");
  });

  it("never allows more than five guesses, even in parallel", async () => {
    const { email, userId } = await signupUser();
    const code = await latestCode(email);
    const wrong = code === "000000" ? "111111" : "000000";
    await Promise.all(Array.from({ length: 8 }, () => identity.verifyEmail({ email, code: wrong })));
    const row = await db().prepare("SELECT attempts FROM verification_codes WHERE user_id = ?").bind(userId).first<{ attempts: number }>();
    expect(row?.attempts).toBe(5);
    expect(errorOf(await identity.verifyEmail({ email, code })).details).toMatchObject({ rule: "attempts_exceeded" });
  });

  it("rejects an expired code", async () => {
    const { email, userId } = await signupUser();
    const code = await latestCode(email);
    await db().prepare("UPDATE verification_codes SET expires_at = ? WHERE user_id = ?").bind(new Date(realNow() - 1000).toISOString(), userId).run();
    expect(errorOf(await identity.verifyEmail({ email, code }))).toMatchObject({
      code: "validation_failed",
      details: { field: "code", rule: "expired" },
    });
    expect(errorOf(await identity.login({ email, password: PASSWORD })).code).toBe("business_rule_violation");
  });
});

describe("resendVerificationCode", () => {
  it("throttles to one code a minute, then replaces the old code", async () => {
    const { email, userId } = await signupUser();
    const firstCode = await latestCode(email);

    const throttled = errorOf(await identity.resendVerificationCode({ email }));
    expect(throttled.code).toBe("rate_limit_exceeded");
    expect(throttled.details?.retryAfter).toBeGreaterThanOrEqual(1);
    expect(throttled.details?.retryAfter).toBeLessThanOrEqual(60);
    expect(unwrap(await identity.listSandboxEmails({ to: email })).data).toHaveLength(1);

    await backdate("verification_codes", "created_at", userId, 61_000);
    expect(unwrap(await identity.resendVerificationCode({ email }))).toEqual({ sent: true });
    expect(unwrap(await identity.listSandboxEmails({ to: email })).data).toHaveLength(2);
    const secondCode = await latestCode(email);

    if (secondCode !== firstCode) {
      expect(errorOf(await identity.verifyEmail({ email, code: firstCode })).details).toMatchObject({ rule: "invalid" });
    }
    unwrap(await identity.verifyEmail({ email, code: secondCode }));
  });

  it("sends at most five codes a day to one address, so guesses stay bounded across resends", async () => {
    const { email, userId } = await signupUser();
    for (let i = 0; i < 4; i++) {
      await backdate("verification_codes", "created_at", userId, 61_000);
      expect(unwrap(await identity.resendVerificationCode({ email }))).toEqual({ sent: true });
    }
    await backdate("verification_codes", "created_at", userId, 61_000);
    const capped = errorOf(await identity.resendVerificationCode({ email }));
    expect(capped.code).toBe("rate_limit_exceeded");
    expect(capped.details?.retryAfter).toBeGreaterThan(23 * 3600);
    expect(unwrap(await identity.listSandboxEmails({ to: email })).data).toHaveLength(5);

    // A day after the first, one more may go.
    await db().prepare("UPDATE outbox_emails SET created_at = ? WHERE id = (SELECT id FROM outbox_emails WHERE to_address = ? ORDER BY created_at LIMIT 1)")
      .bind(new Date(realNow() - 25 * 3_600_000).toISOString(), email)
      .run();
    expect(unwrap(await identity.resendVerificationCode({ email }))).toEqual({ sent: true });
  });

  it("gives a fresh set of attempts and a fresh expiry", async () => {
    const { email, userId } = await signupUser();
    await db().prepare("UPDATE verification_codes SET attempts = 5, expires_at = ? WHERE user_id = ?").bind(new Date(realNow() - 1).toISOString(), userId).run();
    await backdate("verification_codes", "created_at", userId, 61_000);
    unwrap(await identity.resendVerificationCode({ email }));
    unwrap(await identity.verifyEmail({ email, code: await latestCode(email) }));
  });

  it("answers sent for unknown and already-verified emails without sending anything", async () => {
    const unknown = randomEmail();
    expect(unwrap(await identity.resendVerificationCode({ email: unknown }))).toEqual({ sent: true });
    expect(unwrap(await identity.listSandboxEmails({ to: unknown })).data).toHaveLength(0);

    const { email, userId } = await verifiedUser();
    await backdate("verification_codes", "created_at", userId, 61_000);
    expect(unwrap(await identity.resendVerificationCode({ email }))).toEqual({ sent: true });
    expect(unwrap(await identity.listSandboxEmails({ to: email })).data).toHaveLength(1);
  });
});

describe("login", () => {
  it("answers one message for an unknown email and a wrong password", async () => {
    const { email } = await verifiedUser();
    const wrongPassword = errorOf(await identity.login({ email, password: "not the password" }));
    expect(wrongPassword).toEqual({ code: "unauthorized", message: "Invalid email or password" });
    expect(errorOf(await identity.login({ email: randomEmail(), password: PASSWORD }))).toEqual(wrongPassword);
    expect(errorOf(await identity.login({ email, password: "" }))).toEqual(wrongPassword);
  });

  it("refuses an unverified account only once the password is right", async () => {
    const { email } = await signupUser();
    expect(errorOf(await identity.login({ email, password: PASSWORD }))).toEqual({
      code: "business_rule_violation",
      message: "Email address not verified",
    });
    expect(errorOf(await identity.login({ email, password: "wrong password" })).code).toBe("unauthorized");
  });
});

describe("sessions", () => {
  it("an expired session is rejected everywhere", async () => {
    const { email, userId } = await verifiedUser();
    const { sessionToken } = unwrap(await identity.login({ email, password: PASSWORD }));
    await backdate("sessions", "expires_at", userId, 1000);
    const error = errorOf(await identity.getProfile(sessionToken));
    expect(error).toEqual({ code: "unauthorized", message: "Invalid or missing credentials" });
    expect(errorOf(await identity.exchangeSession(sessionToken))).toEqual(error);
    expect(errorOf(await identity.logout(sessionToken))).toEqual(error);
  });

  it("logging out one session leaves the user's other sessions alive", async () => {
    const { email } = await verifiedUser();
    const first = unwrap(await identity.login({ email, password: PASSWORD }));
    const second = unwrap(await identity.login({ email, password: PASSWORD }));
    unwrap(await identity.logout(first.sessionToken));
    expect(errorOf(await identity.getProfile(first.sessionToken)).code).toBe("unauthorized");
    expect(unwrap(await identity.getProfile(second.sessionToken)).email).toBe(email);
  });

  it("rejects made-up and malformed tokens", async () => {
    for (const token of ["", "oiss_", `oiss_${"A".repeat(43)}`, "oik_test_abc", "x".repeat(5000)]) {
      expect(errorOf(await identity.getProfile(token)).code).toBe("unauthorized");
    }
  });
});

describe("listSandboxEmails", () => {
  it("pages newest first and filters by recipient", async () => {
    const a = await signupUser();
    const b = await signupUser();
    await backdate("verification_codes", "created_at", a.userId, 61_000);
    unwrap(await identity.resendVerificationCode({ email: a.email }));

    const mine = unwrap(await identity.listSandboxEmails({ to: a.email.toUpperCase(), limit: 1 }));
    expect(mine.data).toHaveLength(1);
    expect(mine.data[0]?.body).toContain(await latestCode(a.email));
    const next = unwrap(await identity.listSandboxEmails({ to: a.email, limit: 1, cursor: mine.nextCursor! }));
    expect(next.data).toHaveLength(1);
    expect(next.data[0]!.createdAt <= mine.data[0]!.createdAt).toBe(true);
    expect(next.nextCursor).toBeNull();

    const all = unwrap(await identity.listSandboxEmails({ limit: 100 }));
    const ids = all.data.map((e) => e.to);
    expect(ids.indexOf(a.email)).toBeLessThan(ids.indexOf(b.email));
  });

  it("is not available in production", async () => {
    await signupUser();
    const deps = createDeps({ ...env, ENVIRONMENT: "production" }, { waitUntil: () => {} });
    expect(errorOf(await listSandboxEmails(deps, {})).code).toBe("not_found");
  });
});
