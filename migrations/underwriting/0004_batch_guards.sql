-- A table that can never hold a row. A batch guard inserts into it only when its precondition is
-- false, which fails the CHECK and so rolls the whole D1 batch back (see workers/_shared/db.ts `guard`).
CREATE TABLE batch_guards (
  name TEXT NOT NULL,
  CONSTRAINT batch_guard CHECK (0)
);
