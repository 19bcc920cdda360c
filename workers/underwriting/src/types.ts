import type { PageQuery } from "#shared/pagination";
import type { LineOfBusiness, PolicyStatus, SubmissionStatus } from "./schema.ts";

export type { LineOfBusiness, PolicyStatus, SubmissionStatus };

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
  createdAt: string;
  updatedAt: string;
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
  installmentPlan: string;
  createdAt: string;
  updatedAt: string;
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
