-- Ingest (issue 11): what an ingested upload was classified as, written with the row (a document is
-- never updated). JSON {kind, confidence, signals, model, fallbackReason}; NULL for every document
-- that was not ingested (certificates, declarations, rendered PDFs, plain stores).

ALTER TABLE documents ADD COLUMN classification TEXT;
