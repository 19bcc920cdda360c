/** The API reference's quickstart submission (seed 001), as a client sends it; effective in 2027. */
export const quickstartSubmission = () => ({
  insuredName: "Pacific Coast Builders",
  naicsCode: "236220",
  annualRevenue: 8000000,
  requestedLimit: 1000000,
  effectiveDate: "2027-05-01",
  state: "OR",
  lineOfBusiness: "GL",
});

/**
 * The delegated-authority agreement the quickstart submission fits: GL in OR and WA, NAICS 23,
 * up to $2,000,000 per risk, a $1,000,000 written-premium cap unless `overrides` say otherwise.
 */
export const contractorsAgreement = (overrides: Record<string, unknown> = {}) => ({
  carrier: "Cascade Mutual",
  program: "Contractors GL",
  lineOfBusiness: "GL",
  maxLimitPerRisk: 2_000_000,
  states: ["OR", "WA"],
  naicsPrefixes: ["23"],
  aggregateCap: 1_000_000,
  ...overrides,
});
