-- grain: one row per enterprise of the library by the end of the period (rollup_state) that has
-- former names (曾用名, enterprise_names): the packs write "原名 …" after its current name wherever they list it
SELECT $period AS period, s.enterprise_name, n.identity_key, array_to_string(n.former_names, '、') AS former_names
FROM rollup_state s
JOIN enterprise_names n ON n.enterprise_name = s.enterprise_name
WHERE len(n.former_names) > 0
ORDER BY s.enterprise_name;
