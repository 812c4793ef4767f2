"""The domain's vocabulary, pure: the forms and their pandera models, reference data read from the policy, periods,
Chinese labels, how a clerk's cell text maps to values, and the rollup sections. No storage, no I/O but package
data; imports nothing else of srdi."""
