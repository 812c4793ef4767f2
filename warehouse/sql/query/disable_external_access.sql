-- grain: one analyst session: no file outside the allowed folders, no URL
SET enable_external_access = false;
