/**
 * The underwriting worker's RPC types. Everything that crosses to the gateway and on to clients is
 * the contract's own type, generated from TypeSpec (typespec/generated/types.gen.ts), so a change
 * to the contract is a compile error here until the worker follows it.
 */
import type {
  BindPreview,
  BindReferred,
  BoundPolicy,
  CancelPolicyRequest as CancelInput,
  CreateDaAgreementRequest as CreateDaAgreementInput,
  CreateSubmissionRequest as CreateSubmissionInput,
  DaAgreement,
  EndorsementReferred,
  EndorsePolicyRequest as EndorseInput,
  Installment,
  Policy,
  PolicyDocument,
  PolicyTransaction,
  PolicyTransactionResult,
  PriorLoss,
  Quote,
  Referral,
  ReinstatePolicyRequest as ReinstateInput,
  Submission,
} from "#contract/types.gen";

export type {
  BindPreview,
  BindReferred,
  BoundPolicy,
  CancelInput,
  CreateDaAgreementInput,
  CreateSubmissionInput,
  DaAgreement,
  EndorsementReferred,
  EndorseInput,
  Installment,
  Policy,
  PolicyDocument,
  PolicyTransaction,
  PolicyTransactionResult,
  PriorLoss,
  Quote,
  Referral,
  ReinstateInput,
  Submission,
};

/**
 * What bind answers: the policy it wrote, or with `?preview=true` what it would write; `preview` tells
 * which. A bind held for its premium (auto-bind.ts) answers `BindReferred` (`status: "referred"`).
 */
export type BindResult = BoundPolicy | BindPreview | BindReferred;
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

/** The list queries cross the binding: one definition, in the platform's RPC module. */
export type { ListPoliciesQuery, ListReferralsQuery, ListSubmissionsQuery } from "#shared/rpc";
