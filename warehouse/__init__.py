"""Storage: the home folder, the writer lock, DuckDB (the only package that opens it), every SQL statement (sql/),
loaders, publishing the analyst copy, and atomic file writes. Imports schemas only."""
