/** The producers worker under test, through its own entrypoints (RPC over loopback). */
import { exports } from "cloudflare:workers";
import type { CreateProducerRequest, Producer } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import type { ProducersInternal, ProducersService } from "../../workers/producers/src/index.ts";
import { testDay } from "../support/clock.ts";
import { unwrap } from "../support/results.ts";

const entrypoints = exports as unknown as { ProducersService: Service<ProducersService>; ProducersInternal: Service<ProducersInternal> };
export const producersRpc = entrypoints.ProducersService;
export const producersInternal = entrypoints.ProducersInternal;

let npnSeq = 0;
/** A fresh NPN (unique within the test file's run). */
export const nextNpn = (): string => String(1_000_000 + ++npnSeq * 7 + Math.floor(Math.random() * 5));

/** A producer body: licensed in CA for GL and PROP until a year from the test day, 12.5% / 10% on GL. */
export function producerBody(overrides: Partial<CreateProducerRequest> = {}): CreateProducerRequest {
  return {
    name: "Rivera Insurance Services",
    email: "maria@rivera-ins.example",
    npn: nextNpn(),
    agency: "Rivera Agency",
    licenses: [{ state: "CA", lines: ["GL", "PROP"], number: "0H12345", expiresOn: testDay(365) }],
    commissionRates: { GL: { newBusiness: 12.5, renewal: 10 } },
    ...overrides,
  };
}

export async function newProducer(principal: Principal, overrides: Partial<CreateProducerRequest> = {}): Promise<Producer> {
  return unwrap(await producersRpc.createProducer(principal, producerBody(overrides)));
}
