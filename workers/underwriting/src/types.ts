import type { PageQuery } from "#shared/pagination";
import type { CancellationMethod, CancellationReason, InstallmentPlan } from "./rating/types.ts";
import type {
  IntakeRecord,
  LineOfBusiness,
  PolicyStatus,
  QuoteStatus,
  ReferralDecision,
  ReferralStatus,
  SubmissionStatus,
  TransactionType,
} from "./schema.ts";

export type { CancellationMethod, CancellationReason, InstallmentPlan, IntakeRecord, LineOfBusiness, PolicyStatus, QuoteStatus, ReferralDecision, ReferralStatus, SubmissionStatus, TransactionType };

/** Body of `POST /v1/submissions` (already shape-checked by the gateway against the contract). */
export interface CreateSubmissionInput {
  insuredName: string;
  naicsCode: string;
  annualRevenue: number;
  requestedLimit: number;
  effectiveDate: string;
  state: string;
  lineOfBusiness: LineOfBusiness;
  deductible?: number;
  insuredEmail?: string;
  producerId?: string;
  propertyValues?: number;
  vehicleCount?: number;
  yearsInBusiness?: number;
  priorLosses?: { year: number; amount: number; description?: string }[];
  notes?: string;
}

export interface PriorLoss {
  year: number;
  amount: number;
  description: string | null;
}

export interface Submission {
  id: string;
  status: SubmissionStatus;
  insuredName: string;
  naicsCode: string;
  annualRevenue: number;
  requestedLimit: number;
  deductible: number | null;
  effectiveDate: string;
  expirationDate: string;
  state: string;
  lineOfBusiness: LineOfBusiness;
  insuredEmail: string | null;
  producerId: string | null;
  propertyValues: number | null;
  vehicleCount: number | null;
  yearsInBusiness: number | null;
  priorLosses: PriorLoss[];
  notes: string | null;
  currency: "USD";
  triage: { score: number; ready: boolean; flags: string[] };
  intake: IntakeRecord | null;
  currentQuoteId: string | null;
  policyId: string | null;
  renewalOfPolicyId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Installment {
  number: number;
  dueDate: string;
  premium: number;
  fee: number;
  currency: "USD";
}

export interface Policy {
  id: string;
  policyNumber: string;
  status: PolicyStatus;
  submissionId: string;
  insuredName: string;
  lineOfBusiness: LineOfBusiness;
  state: string;
  effectiveDate: string;
  expirationDate: string;
  grossPremium: number;
  currency: "USD";
  installmentPlan: InstallmentPlan;
  quoteId: string;
  annualPremium: number;
  writtenPremium: number;
  limit: number;
  deductible: number | null;
  installments: Installment[];
  rateTableVersion: string;
  cancellation: { effectiveDate: string; method: CancellationMethod; reason: CancellationReason; returnPremium: number } | null;
  renewalOfPolicyId: string | null;
  renewedByPolicyId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Quote {
  id: string;
  submissionId: string;
  status: QuoteStatus;
  lineOfBusiness: LineOfBusiness;
  grossPremium: number;
  currency: "USD";
  breakdown: {
    basePremium: number;
    exposure: { basis: "revenue" | "property_values" | "vehicles"; units: number; unitSize: string; rate: string };
    factors: { name: string; value: string; effect: number; inputs: Record<string, string | number | null> }[];
    minimumPremium: number;
    minimumPremiumApplied: boolean;
  };
  taxes: { name: string; rate: string; amount: number }[];
  fees: { name: string; amount: number }[];
  totalDue: number;
  rateTableVersion: string;
  validUntil: string;
  authority: { daAgreementId: string | null; withinAuthority: boolean; reasons: string[] };
  referralId: string | null;
  createdAt: string;
}

export interface PolicyTransaction {
  id: string;
  policyId: string;
  type: TransactionType;
  effectiveDate: string;
  premiumDelta: number;
  currency: "USD";
  actor: string;
  createdAt: string;
  details: Record<string, unknown>;
}

export interface PolicyTransactionResult {
  preview: boolean;
  transaction: PolicyTransaction;
  policy: Policy;
}

export interface BindPreview {
  preview: true;
  policyNumber: null;
  lineOfBusiness: LineOfBusiness;
  grossPremium: number;
  currency: "USD";
  effectiveDate: string;
  expirationDate: string;
  installmentPlan: InstallmentPlan;
  installments: Installment[];
  fees: number;
  totalDue: number;
}

export interface Referral {
  id: string;
  submissionId: string;
  quoteId: string | null;
  status: ReferralStatus;
  reasons: string[];
  dealRoomId: string | null;
  createdBy: string;
  decision: ReferralDecision | null;
  decidedBy: string | null;
  notes: string | null;
  createdAt: string;
  decidedAt: string | null;
}

export interface DaAgreement {
  id: string;
  carrier: string;
  program: string;
  lineOfBusiness: LineOfBusiness | null;
  maxLimitPerRisk: number;
  states: string[];
  naicsPrefixes: string[];
  aggregateCap: number;
  writtenPremium: number;
  utilization: number;
  currency: "USD";
  createdAt: string;
}

export interface CreateDaAgreementInput {
  carrier: string;
  program: string;
  maxLimitPerRisk: number;
  states: string[];
  naicsPrefixes: string[];
  aggregateCap: number;
  lineOfBusiness?: LineOfBusiness;
}

export interface EndorseInput {
  effectiveDate: string;
  changes: {
    requestedLimit?: number;
    deductible?: number;
    annualRevenue?: number;
    propertyValues?: number;
    vehicleCount?: number;
    insuredName?: string;
  };
  description?: string;
}

export interface CancelInput {
  effectiveDate: string;
  method: CancellationMethod;
  reason: CancellationReason;
  notes?: string;
}

export interface ReinstateInput {
  effectiveDate?: string;
  notes?: string;
}

export interface ListReferralsQuery extends PageQuery {
  status?: ReferralStatus;
  submissionId?: string;
  createdAfter?: string;
  createdBefore?: string;
}

export interface ListSubmissionsQuery extends PageQuery {
  status?: SubmissionStatus;
  lineOfBusiness?: LineOfBusiness;
  state?: string;
  producerId?: string;
  createdAfter?: string;
  createdBefore?: string;
}

export interface ListPoliciesQuery extends PageQuery {
  status?: PolicyStatus;
  lineOfBusiness?: LineOfBusiness;
  state?: string;
  effectiveFrom?: string;
  effectiveTo?: string;
  insuredName?: string;
  createdAfter?: string;
  createdBefore?: string;
}
