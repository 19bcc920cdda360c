-- Coverage endorsements a policy carries (additional insureds, waiver of subrogation), as JSON
-- {"additionalInsureds": [{"name", "address"?}], "waiverOfSubrogation": bool}. Written by an
-- endorsement transaction in the same batch as its timeline row; null on a policy never so endorsed
-- (read as no additional insureds and no waiver). Certificates of insurance are judged against it.
ALTER TABLE policies ADD COLUMN endorsements TEXT;
