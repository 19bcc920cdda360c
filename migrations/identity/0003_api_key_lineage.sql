-- A key and its rotations are one principal: each key records the id of the first key of its
-- rotation chain, so segregation of duties (a referral's creator never decides it) holds across a
-- rotation. Set by every insert (its own id at creation, the old key's lineage at rotation).
-- Nullable only because SQLite cannot add a NOT NULL column without a default; backfilled here.
ALTER TABLE api_keys ADD COLUMN lineage_id TEXT;

-- Backfill: walk each chain from its root (a key rotated from nothing, or from a key no longer
-- stored) down through rotated_from_id.
WITH RECURSIVE chain (id, root) AS (
  SELECT k.id, k.id FROM api_keys k
  WHERE k.rotated_from_id IS NULL OR NOT EXISTS (SELECT 1 FROM api_keys p WHERE p.id = k.rotated_from_id)
  UNION ALL
  SELECT k.id, chain.root FROM api_keys k JOIN chain ON k.rotated_from_id = chain.id
)
UPDATE api_keys SET lineage_id = (SELECT root FROM chain WHERE chain.id = api_keys.id);
