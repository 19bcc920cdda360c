/**
 * The ACORD 125 field reader lives in #shared/acord125 and underwriting's intake imports it from
 * here, where it always has. Moved rather than called over RPC: it is pure (bytes in, fields out),
 * so the documents worker runs the same alias table on an upload it is ingesting without a round
 * trip to underwriting or a cyclic binding, and underwriting keeps reading an ingested form's bytes
 * through its own intake (`POST /v1/submissions {documentId}`).
 */
export * from "#shared/acord125";
