-- The benchmark stores one submission here, exactly as GET /v1/submissions/:id returned it,
-- so both sides of the comparison read one row by primary key and send the same bytes.
CREATE TABLE items (id TEXT PRIMARY KEY, body TEXT NOT NULL);
INSERT INTO items (id, body) VALUES ('item_1', '{}');
