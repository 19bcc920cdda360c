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
