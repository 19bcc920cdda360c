-- A rendered document records what it was made from: a template's name (invoice, notice, …) or
-- `html` for the HTML subset. Null for every other document.
ALTER TABLE documents ADD COLUMN template TEXT;
