-- grain: one analyst session: the settings above cannot be changed back by the analyst's SQL
SET lock_configuration = true;
