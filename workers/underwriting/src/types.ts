/**
 * The underwriting worker's RPC types. Everything that crosses to the gateway and on to clients is
 * the contract's own type, generated from TypeSpec (typespec/generated/types.gen.ts), so a change
 * to the contract is a compile error here until the worker follows it.
 */
import type {
  BindPreview,
  BoundPolicy,
  CancelPolicyRequest as CancelInput,
  CreateDaAgreementRequest as CreateDaAgreementInput,
  CreateSubmissionRequest as CreateSubmissionInput,
  DaAgreement,
  EndorsePolicyRequest as EndorseInput,
  Installment,
  Policy,
  PolicyTransaction,
  PolicyTransactionResult,
  PriorLoss,
  Quote,
  Referral,
  ReinstatePolicyRequest as ReinstateInput,
  Submission,
  UsState,
} from "#contract/types.gen";

export type {
  BindPreview,
  BoundPolicy,
  CancelInput,
  CreateDaAgreementInput,
  CreateSubmissionInput,
  DaAgreement,
  EndorseInput,
  Installment,
  Policy,
  PolicyTransaction,
  PolicyTransactionResult,
  PriorLoss,
  Quote,
  Referral,
  ReinstateInput,
  Submission,
};
import type { PageQuery } from "#shared/pagination";

/** What bind answers: the policy it wrote, or with `?preview=true` what it would write; `preview` tells which. */
export type BindResult = BoundPolicy | BindPreview;
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

export interface ListReferralsQuery extends PageQuery {
  status?: ReferralStatus;
  submissionId?: string;
  createdAfter?: string;
  createdBefore?: string;
}

export interface ListSubmissionsQuery extends PageQuery {
  status?: SubmissionStatus;
  lineOfBusiness?: LineOfBusiness;
  state?: UsState;
  producerId?: string;
  createdAfter?: string;
  createdBefore?: string;
}

export interface ListPoliciesQuery extends PageQuery {
  status?: PolicyStatus;
  lineOfBusiness?: LineOfBusiness;
  state?: UsState;
  effectiveFrom?: string;
  effectiveTo?: string;
  insuredName?: string;
  createdAfter?: string;
  createdBefore?: string;
}
