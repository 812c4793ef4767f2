-- grain: one analyst session: no extension is installed or loaded behind the analyst's back (no download, nothing written to ~/.duckdb)
SET autoinstall_known_extensions = false;
SET autoload_known_extensions = false;
