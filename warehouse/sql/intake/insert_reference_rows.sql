-- grain: one row per reference entry of {table} (one of the ref_* tables).
-- Expects the view `_ref` (that table's rows, from schemas/refdata/).
INSERT INTO {table} BY NAME SELECT * FROM _ref;
