-- grain: one row per loaded submission of the (bureau, period, form) slots a batch loads into: what the batch's
-- first load of each slot supersedes. $1, $2, $3 = the slots' bureaus, periods and forms, as parallel lists.
SELECT s.submission_id, s.bureau, s.period, s.form
FROM submissions s
JOIN (SELECT unnest($1) AS bureau, unnest($2) AS period, unnest($3) AS form) k
  ON s.bureau = k.bureau AND s.period = k.period AND s.form = k.form
WHERE s.status = 'loaded'
ORDER BY s.submission_id;
