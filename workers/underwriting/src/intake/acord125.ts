/**
 * The ACORD 125 field reader lives in #shared/acord125 (the documents worker reads the same forms
 * at ingest); underwriting's intake imports it from here, where it always has.
 */
export * from "#shared/acord125";
