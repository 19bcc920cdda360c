import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { WebhooksService } from "../../workers/webhooks/src/index.ts";
import { deliveryRow, errorOf, fanOut, harness, newPrincipal, publish, receiver, unwrap } from "./harness.ts";

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** `ctx.exports.WebhooksService`: the entrypoint over loopback RPC, exactly as the gateway calls it. */
const rpc = (exports as unknown as { WebhooksService: Service<WebhooksService> }).WebhooksService;

describe("org isolation", () => {
  it("answers not_found for another org's endpoint, deliveries and events, over RPC", async () => {
    const h = harness();
    const owner = newPrincipal();
    const intruder = newPrincipal();
    const endpoint = unwrap(await h.service.createEndpoint(owner, { url: "https://owner.example.com/hook", events: ["*"] }));
    const event = publish(h, owner.orgId, "policy.bound");
    const [deliveryId] = await fanOut(h, [event]);
    const { requests } = receiver();

    const notFound = { code: "not_found" };
    expect(errorOf(await rpc.getEndpoint(intruder, endpoint.id))).toMatchObject(notFound);
    expect(errorOf(await rpc.updateEndpoint(intruder, endpoint.id, { url: "https://evil.example.com/" }))).toMatchObject(notFound);
    expect(errorOf(await rpc.deleteEndpoint(intruder, endpoint.id))).toMatchObject(notFound);
    expect(errorOf(await rpc.rotateSecret(intruder, endpoint.id))).toMatchObject(notFound);
    expect(errorOf(await rpc.sendTest(intruder, endpoint.id))).toMatchObject(notFound);
    expect(errorOf(await rpc.listDeliveries(intruder, endpoint.id, {}))).toMatchObject(notFound);
    expect(errorOf(await rpc.retryDelivery(intruder, endpoint.id, deliveryId!))).toMatchObject(notFound);
    expect(errorOf(await rpc.getEvent(intruder, event.id))).toMatchObject(notFound);
    expect(unwrap(await rpc.listEndpoints(intruder, {}))).toEqual({ data: [], nextCursor: null });
    expect(unwrap(await rpc.listEvents(intruder, {}))).toEqual({ data: [], nextCursor: null });

    // Nothing was sent or changed on the owner's side.
    expect(requests).toEqual([]);
    expect(unwrap(await rpc.getEndpoint(owner, endpoint.id))).toMatchObject({ url: "https://owner.example.com/hook", enabled: true, previousSecretExpiresAt: null });
    expect(await deliveryRow(deliveryId!)).toMatchObject({ status: "pending", attempt_count: 0 });
    expect(unwrap(await rpc.getEvent(owner, event.id))).toEqual(event);
  });

  it("does not retry a delivery through an endpoint it does not belong to", async () => {
    const h = harness();
    const p = newPrincipal();
    const a = unwrap(await h.service.createEndpoint(p, { url: "https://a.example.com/hook", events: ["*"] }));
    const b = unwrap(await h.service.createEndpoint(p, { url: "https://b.example.com/hook", events: ["claim.*"] }));
    const [deliveryOfA] = await fanOut(h, [publish(h, p.orgId, "policy.bound")]);
    expect(errorOf(await h.service.retryDelivery(p, b.id, deliveryOfA!))).toMatchObject({ code: "not_found" });
    expect(unwrap(await h.service.retryDelivery(p, a.id, deliveryOfA!))).toMatchObject({ id: deliveryOfA, endpointId: a.id });
  });

  it("deleting an endpoint cannot touch another org's deliveries", async () => {
    const h = harness();
    const owner = newPrincipal();
    const endpoint = unwrap(await h.service.createEndpoint(owner, { url: "https://owner.example.com/hook", events: ["*"] }));
    const [deliveryId] = await fanOut(h, [publish(h, owner.orgId, "claim.filed")]);
    expect(errorOf(await h.service.deleteEndpoint(newPrincipal(), endpoint.id))).toMatchObject({ code: "not_found" });
    expect(await deliveryRow(deliveryId!)).toMatchObject({ status: "pending" });
  });
});
