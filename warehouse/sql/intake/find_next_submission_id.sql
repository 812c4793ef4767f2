-- grain: one value: the submission id after the highest one used (1 in an empty warehouse).
SELECT coalesce(max(submission_id), 0) + 1 FROM submissions;
