import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, json, type Tenant } from "./harness.ts";

const unique = () => crypto.randomUUID().slice(0, 8);

/** The last email sent to `to` in the sandbox email log. */
async function lastEmailTo(to: string): Promise<{ subject: string; body: string; kind: string }> {
  const page = await json(await call("GET", `/v1/sandbox/emails?to=${encodeURIComponent(to)}&limit=100`, { token: env.API_SECRET }));
  expect(page.data.length).toBeGreaterThan(0);
  return page.data[0];
}

const tokenIn = (body: string) => body.match(/[?&]token=([A-Za-z0-9_-]+)/)![1]!;

async function invite(t: Tenant, email: string, role = "underwriter") {
  const res = await call("POST", "/v1/team/invite", { token: t.token, body: { email, role } });
  expect(res.status, await res.clone().text()).toBe(201);
  const invitation = await json(res);
  return { invitation, token: tokenIn((await lastEmailTo(email)).body) };
}

/** Signs the member in (`/auth/login`) and swaps the session for a JWT. */
async function jwtOf(email: string, password: string): Promise<string> {
  const login = await call("POST", "/auth/login", { body: { email, password } });
  expect(login.status, await login.clone().text()).toBe(200);
  const { sessionToken } = await json(login);
  const exchanged = await call("POST", "/auth/better/exchange", { token: sessionToken });
  expect(exchanged.status).toBe(200);
  return (await json(exchanged)).token;
}

describe("team: invitations end to end", () => {
  it("invite → email log → accept → the member's JWT works → remove → their JWT and their key stop working", async () => {
    const t = await createTenant();
    const email = `new-${unique()}@example.com`;
    const { invitation, token } = await invite(t, email, "underwriter");
    expect(invitation).toMatchObject({ email, role: "underwriter", status: "pending", memberId: null });
    expect(invitation.id).toMatch(/^itn_/);
    expect(JSON.stringify(invitation)).not.toContain(token);
    const mail = await lastEmailTo(email);
    expect(mail.kind).toBe("team_invitation");
    expect(mail.body).toContain(invitation.id);

    const accepted = await call("POST", `/v1/team/invitations/${invitation.id}/accept`, { body: { token, name: "New Underwriter", password: "correct horse battery" } });
    expect(accepted.status).toBe(200);
    const { member, invitation: done } = await json(accepted);
    expect(member).toMatchObject({ email, name: "New Underwriter", role: "underwriter", emailVerified: true });
    expect(done).toMatchObject({ status: "accepted", memberId: member.id });
    // Single use: the same token again is the one 401.
    const again = await call("POST", `/v1/team/invitations/${invitation.id}/accept`, { body: { token, password: "correct horse battery" } });
    expect(again.status).toBe(401);

    const jwt = await jwtOf(email, "correct horse battery");
    expect((await call("GET", "/v1/submissions", { token: jwt })).status).toBe(200);
    const members = await json(await call("GET", "/v1/team/members", { token: t.token }));
    expect(members.data.map((m: { id: string }) => m.id)).toContain(member.id);
    const ws = await json(await call("GET", "/v1/team/workspace", { token: t.token }));
    expect(ws).toMatchObject({ id: t.orgId, plan: "starter", membersCount: members.data.length, seats: { used: members.data.length, limit: 25 } });

    // Made org_admin so they can create an API key of their own; another admin user stays, since the
    // last org_admin could not be removed (the tenant's demo token is not a user).
    const keeper = await invite(t, `keeper-${unique()}@example.com`, "org_admin");
    expect((await call("POST", `/v1/team/invitations/${keeper.invitation.id}/accept`, { body: { token: keeper.token, password: "correct horse battery" } })).status).toBe(200);
    const promoted = await call("PATCH", `/v1/team/members/${member.id}`, { token: t.token, body: { role: "org_admin" } });
    expect(promoted.status).toBe(200);
    const adminJwt = await jwtOf(email, "correct horse battery");
    const theirKey = await createApiKey(adminJwt, { name: "member key" });
    expect((await call("GET", "/v1/submissions", { apiKey: theirKey.key })).status).toBe(200);
    const adminKey = await createApiKey(t.token, { name: "admin key" });

    const removed = await call("DELETE", `/v1/team/members/${member.id}`, { token: t.token });
    expect(removed.status).toBe(204);
    expect((await call("GET", "/v1/submissions", { apiKey: theirKey.key })).status).toBe(401);
    expect((await call("GET", "/v1/submissions", { token: adminJwt })).status).toBe(401);
    expect((await call("POST", "/auth/login", { body: { email, password: "correct horse battery" } })).status).toBe(401);
    // Keys someone else created are untouched.
    expect((await call("GET", "/v1/submissions", { apiKey: adminKey.key })).status).toBe(200);
    expect((await call("DELETE", `/v1/team/members/${member.id}`, { token: t.token })).status).toBe(404);
  });

  it("the last org_admin can be neither demoted nor removed (422); a second admin makes it possible", async () => {
    const t = await createTenant();
    const email = `admin-${unique()}@example.com`;
    const { invitation, token } = await invite(t, email, "org_admin");
    const { member } = await json(await call("POST", `/v1/team/invitations/${invitation.id}/accept`, { body: { token, password: "correct horse battery" } }));
    const demoted = await call("PATCH", `/v1/team/members/${member.id}`, { token: t.token, body: { role: "viewer" } });
    expect(demoted.status).toBe(422);
    expect(await json(demoted)).toMatchObject({ error: "business_rule_violation", details: { rule: "last_org_admin" } });
    expect((await call("DELETE", `/v1/team/members/${member.id}`, { token: t.token })).status).toBe(422);
    const second = `admin2-${unique()}@example.com`;
    const inv2 = await invite(t, second, "org_admin");
    const { member: other } = await json(await call("POST", `/v1/team/invitations/${inv2.invitation.id}/accept`, { body: { token: inv2.token, password: "correct horse battery" } }));
    // Both at once: exactly one of the two demotions can pass, never both.
    const both = await Promise.all([member.id, other.id].map((id) => call("PATCH", `/v1/team/members/${id}`, { token: t.token, body: { role: "viewer" } })));
    expect(both.map((r) => r.status).sort()).toEqual([200, 422]);
    // A non-admin user cannot change roles.
    const viewerId = both[0]!.status === 200 ? member.id : other.id;
    const viewerEmail = viewerId === member.id ? email : second;
    const viewerJwt = await jwtOf(viewerEmail, "correct horse battery");
    const refused = await call("PATCH", `/v1/team/members/${viewerId}`, { token: viewerJwt, body: { role: "org_admin" } });
    expect(refused.status).toBe(403);
  });

  it("bad input and refusals: malformed email 400, existing member 409, another org's user 409, pending 409, bad role 400", async () => {
    const t = await createTenant();
    const other = await createTenant();
    expect((await call("POST", "/v1/team/invite", { token: t.token, body: { email: "not-an-email", role: "viewer" } })).status).toBe(400);
    expect((await call("POST", "/v1/team/invite", { token: t.token, body: { email: `x-${unique()}@example.com`, role: "overlord" } })).status).toBe(400);
    const email = `dup-${unique()}@example.com`;
    const { invitation, token } = await invite(t, email, "viewer");
    const pending = await call("POST", "/v1/team/invite", { token: t.token, body: { email, role: "viewer" } });
    expect(pending.status).toBe(409);
    await call("POST", `/v1/team/invitations/${invitation.id}/accept`, { body: { token, password: "correct horse battery" } });
    const member = await call("POST", "/v1/team/invite", { token: t.token, body: { email, role: "viewer" } });
    expect(member.status).toBe(409);
    const elsewhere = await call("POST", "/v1/team/invite", { token: other.token, body: { email, role: "viewer" } });
    expect(elsewhere.status).toBe(409);
    expect((await json(elsewhere)).message).toMatch(/another org/);
  });

  it("revoke and resend: a revoked token and a replaced token are the same 401; the resent one works", async () => {
    const t = await createTenant();
    const email = `rs-${unique()}@example.com`;
    const { invitation, token: first } = await invite(t, email, "viewer");
    const resent = await call("POST", `/v1/team/invitations/${invitation.id}/resend`, { token: t.token });
    expect(resent.status).toBe(200);
    const second = tokenIn((await lastEmailTo(email)).body);
    expect(second).not.toBe(first);
    const old = await call("POST", `/v1/team/invitations/${invitation.id}/accept`, { body: { token: first, password: "correct horse battery" } });
    expect(old.status).toBe(401);
    const oldMessage = (await json(old)).message;

    const email2 = `rv-${unique()}@example.com`;
    const { invitation: inv2, token: t2 } = await invite(t, email2, "viewer");
    const revoked = await call("POST", `/v1/team/invitations/${inv2.id}/revoke`, { token: t.token });
    expect(await json(revoked)).toMatchObject({ status: "revoked" });
    const afterRevoke = await call("POST", `/v1/team/invitations/${inv2.id}/accept`, { body: { token: t2, password: "correct horse battery" } });
    expect(afterRevoke.status).toBe(401);
    expect((await json(afterRevoke)).message).toBe(oldMessage);
    expect((await call("POST", `/v1/team/invitations/${inv2.id}/revoke`, { token: t.token })).status).toBe(422);

    expect((await call("POST", `/v1/team/invitations/${invitation.id}/accept`, { body: { token: second, password: "correct horse battery" } })).status).toBe(200);
    const list = await json(await call("GET", "/v1/team/invitations?status=revoked", { token: t.token }));
    expect(list.data.map((i: { id: string }) => i.id)).toEqual([inv2.id]);
  });

  it("tenancy: another org's member and invitation ids are 404", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const email = `ten-${unique()}@example.com`;
    const { invitation, token } = await invite(a, email, "viewer");
    expect((await call("POST", `/v1/team/invitations/${invitation.id}/revoke`, { token: b.token })).status).toBe(404);
    expect((await call("POST", `/v1/team/invitations/${invitation.id}/resend`, { token: b.token })).status).toBe(404);
    const { member } = await json(await call("POST", `/v1/team/invitations/${invitation.id}/accept`, { body: { token, password: "correct horse battery" } }));
    expect((await call("PATCH", `/v1/team/members/${member.id}`, { token: b.token, body: { role: "viewer" } })).status).toBe(404);
    expect((await call("DELETE", `/v1/team/members/${member.id}`, { token: b.token })).status).toBe(404);
    expect((await json(await call("GET", "/v1/team/members", { token: b.token }))).data.map((m: { id: string }) => m.id)).not.toContain(member.id);
    expect((await json(await call("GET", "/v1/team/invitations", { token: b.token }))).data).toEqual([]);
  });

  it("the eleventh invite in an hour is 429 with Retry-After", async () => {
    const t = await createTenant();
    for (let i = 0; i < 10; i++) expect((await call("POST", "/v1/team/invite", { token: t.token, body: { email: `rl${i}-${unique()}@example.com`, role: "viewer" } })).status).toBe(201);
    const eleventh = await call("POST", "/v1/team/invite", { token: t.token, body: { email: `rl10-${unique()}@example.com`, role: "viewer" } });
    expect(eleventh.status).toBe(429);
    expect(Number(eleventh.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("seats: an accept past the plan's seats is 403 feature_limit_reached and creates nobody; the invitation still works after an upgrade", async () => {
    const t = await createTenant();
    expect((await call("PATCH", `/v1/orgs/${t.orgId}`, { token: env.API_SECRET, headers: { "x-org-id": t.orgId }, body: { plan: "free" } })).status).toBe(200);
    const invites = [];
    for (let i = 0; i < 4; i++) invites.push(await invite(t, `seat${i}-${unique()}@example.com`, "viewer"));
    const results = await Promise.all(invites.map((x) => call("POST", `/v1/team/invitations/${x.invitation.id}/accept`, { body: { token: x.token, password: "correct horse battery" } })));
    const statuses = results.map((r) => r.status);
    // free has 3 seats and the org has no user yet (its admin is a demo token).
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 403)).toHaveLength(1);
    expect(await json(results[statuses.indexOf(403)]!)).toMatchObject({ error: "feature_limit_reached", details: { feature: "seats", limit: 3, used: 3 } });
    const summary = await json(await call("GET", "/v1/entitlements/summary", { token: t.token }));
    expect(summary.entitlements.find((e: { feature: string }) => e.feature === "seats")).toMatchObject({ used: 3, limit: 3 });
    expect((await call("PATCH", `/v1/orgs/${t.orgId}`, { token: env.API_SECRET, headers: { "x-org-id": t.orgId }, body: { plan: "starter" } })).status).toBe(200);
    const left = invites[statuses.indexOf(403)]!;
    expect((await call("POST", `/v1/team/invitations/${left.invitation.id}/accept`, { body: { token: left.token, password: "correct horse battery" } })).status).toBe(200);
  });
});
