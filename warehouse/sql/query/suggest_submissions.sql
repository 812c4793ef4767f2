-- grain: one row per (file, form) that arrived; the first query `srdi demo` suggests
SELECT bureau, period, form, status FROM submissions
