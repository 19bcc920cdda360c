/**
 * The producers worker: the org's producers (NPN, licenses per state, commission rates per line)
 * and their carrier appointments. The gateway reaches {@link ProducersService} over a service
 * binding, having authenticated the caller and checked `producers:read` / `producers:write`;
 * underwriting asks {@link ProducersInternal} for a producer's distribution authority. This worker
 * owns `PRODUCERS_DB` and calls no other worker. Every method is confined to `principal.orgId`.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { Appointment, CreateAppointmentRequest, CreateProducerRequest, Producer, UpdateAppointmentRequest, UpdateProducerRequest } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import type { Result } from "#shared/errors";
import type { Page, PageQuery } from "#shared/pagination";
import type { ListProducersQuery, ProducersRpc } from "#shared/rpc";
import { createAppointment, listAppointments, updateAppointment } from "./appointments.service.ts";
import { database } from "./database.ts";
import type { ProducersEnv } from "./env.ts";
import { createProducer, getProducer, listProducers, updateProducer } from "./producers.service.ts";
import * as flags from "./flags.service.ts";
import type { EvaluatedFlag } from "#shared/rpc";

export type { ProducersEnv } from "./env.ts";
export { ProducersInternal } from "./internal.ts";
export { FlagStore } from "./flag-store.do.ts";

/** The public entrypoint: the gateway's `PRODUCERS` binding. */
export class ProducersService extends WorkerEntrypoint<ProducersEnv> implements ProducersRpc {
  createProducer(principal: Principal, input: CreateProducerRequest): Promise<Result<Producer>> {
    return createProducer(database(this.env), principal, input);
  }

  listProducers(principal: Principal, query?: ListProducersQuery): Promise<Result<Page<Producer>>> {
    return listProducers(database(this.env), principal, query);
  }

  getProducer(principal: Principal, id: string): Promise<Result<Producer>> {
    return getProducer(database(this.env), principal, id);
  }

  updateProducer(principal: Principal, id: string, input: UpdateProducerRequest): Promise<Result<Producer>> {
    return updateProducer(database(this.env), principal, id, input);
  }

  listAppointments(principal: Principal, producerId: string, query?: PageQuery): Promise<Result<Page<Appointment>>> {
    return listAppointments(database(this.env), principal, producerId, query);
  }

  createAppointment(principal: Principal, producerId: string, input: CreateAppointmentRequest): Promise<Result<Appointment>> {
    return createAppointment(database(this.env), principal, producerId, input);
  }

  updateAppointment(principal: Principal, producerId: string, id: string, input: UpdateAppointmentRequest): Promise<Result<Appointment>> {
    return updateAppointment(database(this.env), principal, producerId, id, input);
  }

  // Feature flags (flags.service.ts): the org's overrides, through its FlagStore object.

  listFlags(principal: Principal): Promise<Result<{ data: EvaluatedFlag[] }>> {
    return flags.listFlags(this.env.FLAG_STORE, principal);
  }

  getFlag(principal: Principal, key: string): Promise<Result<EvaluatedFlag>> {
    return flags.getFlag(this.env.FLAG_STORE, principal, key);
  }

  setFlag(principal: Principal, key: string, value: unknown): Promise<Result<EvaluatedFlag>> {
    return flags.setFlag(this.env.FLAG_STORE, principal, key, value);
  }

  deleteFlag(principal: Principal, key: string): Promise<Result<EvaluatedFlag>> {
    return flags.deleteFlag(this.env.FLAG_STORE, principal, key);
  }
}

export default {
  fetch: () => Response.json({ error: "route_not_found", message: "This worker is reached through the gateway" }, { status: 404 }),
} satisfies ExportedHandler<ProducersEnv>;
