/**
 * Producer users through the gateway on the real identity, producers and underwriting workers:
 * linking a user with `PATCH /v1/producers/:id {userId}` (an unknown user and another org's are
 * 404 naming `userId`, a user without the `producer` role 422, a user already selling as another
 * producer 409 naming it), and a linked producer user's book: the submission and policy lists show
 * only their producer's, and every single read or write of another producer's submission, policy or
 * insured answers 404 exactly as a missing one does, as does everything for an unlinked producer user.
 */
import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import { createTenant, json } from "./harness.ts";
import { glSubmission } from "./lifecycle-harness.ts";
import { addUser, asUser, authorizedProducer, boundThrough, linkUser, send, userToken } from "./producer-users-harness.ts";

const ids = async (res: Response) => (await json<{ data: { id: string }[] }>(res)).data.map((r) => r.id).sort();

describe("linking a producer user", () => {
  it("links a producer-role user of the org, answers the producer with its userId, and unlinks with null", async () => {
    const t = await createTenant();
    const producer = await authorizedProducer(t, "Cascade Risk Partners");
    expect(producer.userId).toBeNull();
    const seller = await addUser(t.orgId, "producer");
    const linked = await linkUser(t, producer.id, seller);
    expect(linked.status).toBe(200);
    expect(await json(linked)).toMatchObject({ id: producer.id, userId: seller, name: "Cascade Risk Partners", status: "active" });
    // Linking the same user again is no conflict with itself.
    expect((await linkUser(t, producer.id, seller)).status).toBe(200);
    const unlinked = await linkUser(t, producer.id, null);
    expect(unlinked.status).toBe(200);
    expect((await json(unlinked)).userId).toBeNull();
  });

  it("answers 404 naming userId for an unknown user and for a user of another org", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const producer = await authorizedProducer(t, "Cascade Risk Partners");
    const foreign = await addUser(other.orgId, "producer");
    for (const userId of [newId("usr"), foreign]) {
      const res = await linkUser(t, producer.id, userId);
      expect(res.status, userId).toBe(404);
      expect(await json(res)).toMatchObject({ error: "not_found", message: "User not found", details: { field: "userId" } });
    }
    expect((await json(await send("GET", t.apiKey, `/v1/producers/${producer.id}`))).userId).toBeNull();
  });

  it("answers 422 naming the user's role for a user who is not a producer", async () => {
    const t = await createTenant();
    const producer = await authorizedProducer(t, "Cascade Risk Partners");
    for (const role of ["underwriter", "org_admin", "viewer"] as const) {
      const user = await addUser(t.orgId, role);
      const res = await linkUser(t, producer.id, user);
      expect(res.status, role).toBe(422);
      const body = await json(res);
      expect(body).toMatchObject({ error: "business_rule_violation", details: { field: "userId", role } });
      expect(body.message).toBe(`Only a user with the producer role can sell as a producer; ${user} is ${role}`);
    }
    expect((await json(await send("GET", t.apiKey, `/v1/producers/${producer.id}`))).userId).toBeNull();
  });

  it("answers 409 naming the producer that already holds the user, and changes neither producer", async () => {
    const t = await createTenant();
    const first = await authorizedProducer(t, "Cascade Risk Partners");
    const second = await authorizedProducer(t, "Harbor Insurance Group");
    const seller = await addUser(t.orgId, "producer");
    expect((await linkUser(t, first.id, seller)).status).toBe(200);
    const res = await linkUser(t, second.id, seller);
    expect(res.status).toBe(409);
    const body = await json(res);
    expect(body).toMatchObject({ error: "conflict", details: { field: "userId", existingProducerId: first.id } });
    expect(body.message).toBe(`User ${seller} already sells as another producer`);
    expect((await json(await send("GET", t.apiKey, `/v1/producers/${first.id}`))).userId).toBe(seller);
    expect((await json(await send("GET", t.apiKey, `/v1/producers/${second.id}`))).userId).toBeNull();
    // Once the first lets go, the second may take the user.
    expect((await linkUser(t, first.id, null)).status).toBe(200);
    expect((await json(await linkUser(t, second.id, seller))).userId).toBe(seller);
  });

  it("answers 400 naming userId for a value that is not a user id", async () => {
    const t = await createTenant();
    const producer = await authorizedProducer(t, "Cascade Risk Partners");
    for (const userId of ["bob", 42, "usr_short"]) {
      const res = await linkUser(t, producer.id, userId as string);
      expect(res.status, String(userId)).toBe(400);
      expect(await json(res)).toMatchObject({ error: "validation_failed" });
      expect(JSON.stringify(await json(await linkUser(t, producer.id, userId as string)))).toContain("userId");
    }
  });
});

/** Two producers of one org with a bound policy each, one policy sold by no producer, and a producer user linked to the first. */
async function twoBooks() {
  const t = await createTenant();
  const mine = await authorizedProducer(t, "Cascade Risk Partners");
  const theirs = await authorizedProducer(t, "Harbor Insurance Group");
  const a = await boundThrough(t, mine.id, { insuredName: "Mine Builders", insuredEmail: "mine@insureds.example" });
  const b = await boundThrough(t, theirs.id, { insuredName: "Theirs Builders", insuredEmail: "theirs@insureds.example" });
  const c = await boundThrough(t, null, { insuredName: "House Account Builders", insuredEmail: "house@insureds.example" });
  const seller = await addUser(t.orgId, "producer");
  expect((await linkUser(t, mine.id, seller)).status).toBe(200);
  return { t, mine, theirs, a, b, c, token: await userToken(t.orgId, seller) };
}

/** The 404 a submission or policy id the org has never had gets, for comparison. */
async function missing(token: string, path: string) {
  const res = await asUser("GET", token, path);
  expect(res.status).toBe(404);
  const { error, message } = await json(res);
  return { error, message };
}

describe("a producer user's book", () => {
  it("lists only their producer's submissions and policies; another producer's filter and an unlinked user get empty pages", async () => {
    const { t, theirs, a, b, c, token } = await twoBooks();
    expect(await ids(await send("GET", t.apiKey, "/v1/submissions"))).toEqual([a.sub.id, b.sub.id, c.sub.id].sort());
    expect(await ids(await send("GET", t.apiKey, "/v1/policies"))).toEqual([a.policy.id, b.policy.id, c.policy.id].sort());

    expect(await ids(await asUser("GET", token, "/v1/submissions"))).toEqual([a.sub.id]);
    expect(await ids(await asUser("GET", token, "/v1/policies"))).toEqual([a.policy.id]);
    expect(await ids(await asUser("GET", token, `/v1/submissions?producerId=${theirs.id}`))).toEqual([]);

    const unlinked = await userToken(t.orgId, await addUser(t.orgId, "producer"));
    expect(await ids(await asUser("GET", unlinked, "/v1/submissions"))).toEqual([]);
    expect(await ids(await asUser("GET", unlinked, "/v1/policies"))).toEqual([]);
  });

  it("reads their own submission, policy, timeline and insured, and gets 404 as for a missing one for another producer's or the house's", async () => {
    const { t, a, b, c, token } = await twoBooks();
    const missingSubmission = await missing(token, `/v1/submissions/${newId("sub")}`);
    const missingPolicy = await missing(token, `/v1/policies/${newId("pol")}`);
    expect(missingSubmission).toEqual({ error: "not_found", message: "Submission not found" });
    expect(missingPolicy).toEqual({ error: "not_found", message: "Policy not found" });

    const own = [
      `/v1/submissions/${a.sub.id}`,
      `/v1/submissions/${a.sub.id}/quote-readiness`,
      `/v1/policies/${a.policy.id}`,
      `/v1/policies/${a.policy.id}/timeline`,
      `/v1/insureds/${a.policy.insuredId}`,
    ];
    for (const path of own) expect((await asUser("GET", token, path)).status, path).toBe(200);
    expect(await json(await asUser("GET", token, `/v1/policies/${a.policy.id}`))).toMatchObject({ id: a.policy.id, insuredName: "Mine Builders" });

    for (const other of [b, c]) {
      for (const [path, expected] of [
        [`/v1/submissions/${other.sub.id}`, missingSubmission],
        [`/v1/submissions/${other.sub.id}/quote-readiness`, missingSubmission],
        [`/v1/policies/${other.policy.id}`, missingPolicy],
        [`/v1/policies/${other.policy.id}/timeline`, missingPolicy],
        [`/v1/insureds/${other.policy.insuredId}`, { error: "not_found", message: "Insured not found" }],
      ] as const) {
        const res = await asUser("GET", token, path);
        expect(res.status, path).toBe(404);
        expect(await json(res), path).toMatchObject(expected);
        // The org's admin still reads it.
        expect((await send("GET", t.apiKey, path)).status, path).toBe(200);
      }
    }
  });

  it("cannot quote another producer's submission or certify another producer's policy, and nothing is written", async () => {
    const { t, theirs, b, token } = await twoBooks();
    const open = await json(await send("POST", t.apiKey, "/v1/submissions", glSubmission({ producerId: theirs.id })));
    const quote = await asUser("POST", token, `/v1/submissions/${open.id}/quote`);
    expect(quote.status).toBe(404);
    expect(await json(quote)).toMatchObject({ error: "not_found", message: "Submission not found" });
    // Still as created: not quoted.
    expect((await json(await send("GET", t.apiKey, `/v1/submissions/${open.id}`))).status).toBe(open.status);
    expect(open.status).not.toBe("quoted");

    const holder = { name: "Harbor View Properties LLC", address: { line1: "100 Main St", city: "Portland", state: "OR", postalCode: "97204" } };
    const coi = await asUser("POST", token, "/v1/coi/generate", { policyId: b.policy.id, holder });
    expect(coi.status).toBe(404);
    expect(await json(coi)).toMatchObject({ error: "not_found", message: "Policy not found" });
  });

  it("an unlinked producer user reads no single submission or policy at all", async () => {
    const { t, a } = await twoBooks();
    const unlinked = await userToken(t.orgId, await addUser(t.orgId, "producer"));
    for (const path of [`/v1/submissions/${a.sub.id}`, `/v1/policies/${a.policy.id}`, `/v1/policies/${a.policy.id}/timeline`]) {
      expect((await asUser("GET", unlinked, path)).status, path).toBe(404);
    }
  });

  it("a link removed applies on the next request: the former book answers 404", async () => {
    const { t, mine, a, token } = await twoBooks();
    expect((await asUser("GET", token, `/v1/policies/${a.policy.id}`)).status).toBe(200);
    expect((await linkUser(t, mine.id, null)).status).toBe(200);
    expect((await asUser("GET", token, `/v1/policies/${a.policy.id}`)).status).toBe(404);
    expect(await ids(await asUser("GET", token, "/v1/policies"))).toEqual([]);
  });
});
