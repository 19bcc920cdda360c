CREATE TABLE items (id TEXT PRIMARY KEY, body TEXT NOT NULL);
INSERT INTO items (id, body) VALUES ('item_1', '{"id":"item_1","insuredName":"Pacific Coast Builders","state":"OR","lineOfBusiness":"GL"}');
