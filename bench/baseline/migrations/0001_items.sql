-- One row holding a submission exactly as GET /v1/submissions/:id returns it, so both sides of the
-- comparison read one row by primary key and send the same number of bytes.
CREATE TABLE items (id TEXT PRIMARY KEY, body TEXT NOT NULL);
INSERT INTO items (id, body) VALUES ('item_1', '{"id":"sub_01M81S8RG9VJ129Q4PG155EJKW","status":"received","insuredName":"Pacific Coast Builders","naicsCode":"236220","annualRevenue":8000000,"requestedLimit":1000000,"deductible":null,"effectiveDate":"2027-05-01","expirationDate":"2028-05-01","state":"OR","lineOfBusiness":"GL","insuredEmail":null,"producerId":null,"propertyValues":null,"vehicleCount":null,"yearsInBusiness":null,"priorLosses":[],"notes":null,"currency":"USD","createdAt":"2026-11-22T14:00:00.000Z","updatedAt":"2026-11-22T14:00:00.000Z"}');
