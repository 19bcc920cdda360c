/** The market worker under test, through its own entrypoint (RPC over loopback). */
import { exports } from "cloudflare:workers";
import type { CreateCarrierRequest, MarketProfile } from "#contract/types.gen";
import type { MarketService } from "../../workers/market/src/index.ts";

const entrypoints = exports as unknown as { MarketService: Service<MarketService> };
export const marketRpc = entrypoints.MarketService;

/** A general contractor in Oregon asking for GL: several reference carriers write it. */
export function contractorProfile(overrides: Partial<MarketProfile> = {}): MarketProfile {
  return { naicsCode: "236220", state: "OR", lineOfBusiness: "GL", annualRevenue: 8_000_000, requestedLimit: 1_000_000, yearsInBusiness: 12, ...overrides };
}

/** An org's own carrier writing GL in OR and WA. */
export function carrierBody(overrides: Partial<CreateCarrierRequest> = {}): CreateCarrierRequest {
  return {
    name: "Own Program Underwriters",
    naicNumber: "99001",
    amBestRating: "A",
    marketType: "admitted",
    states: ["OR", "WA"],
    products: [{ name: "Own GL", lineOfBusiness: "GL", minLimit: 500_000, maxLimit: 2_000_000, minPremium: 1_000 }],
    ...overrides,
  };
}
