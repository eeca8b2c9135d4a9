-- A run made through the Responses API keeps what only that API shows (its conversation, previous
-- response, background, store) as JSON the run lifecycle never reads; NULL for Assistants runs.
ALTER TABLE runs ADD COLUMN response text;
