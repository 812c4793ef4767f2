"""[query] of the rules file (rollup_config.toml): what bounds an analyst's `srdi query`. Light on purpose (tomllib
only): `srdi query` must start fast, without what schemas/rollup_config.py imports. rollup_config.parse checks the
same table with `query_memory`, so a bad value is also said where the rules are checked."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

DEFAULT_QUERY_MEMORY = "2GB"      # [query] memory_limit: the most memory one analyst query may take
_MEMORY = re.compile(r"\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", re.I)


class QueryConfigError(ValueError):
    pass


def query_memory(data: dict) -> str:
    """[query] memory_limit of the parsed rules `data` (default 2GB); QueryConfigError when it is not a size."""
    table = data.get("query", {})
    if not isinstance(table, dict):
        raise QueryConfigError("[query] 应为一个表 / must be a table")
    limit = table.get("memory_limit", DEFAULT_QUERY_MEMORY)
    if not (isinstance(limit, str) and _MEMORY.fullmatch(limit)):
        raise QueryConfigError(f"[query] memory_limit 应为数字加单位，如 \"2GB\"、\"512MB\" / must be a number and a unit "
                               f"such as \"2GB\": {limit!r}")
    return limit.strip()


def read_rules_file(path: Path | str, error: type[Exception]) -> dict:
    """The rules file at `path` parsed, for a reader that needs one of its values only (no checks of the rest);
    `error` ("<path>: <reason>") for a file that cannot be read or is not TOML."""
    p = Path(path)
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise error(f"{p}: {exc}") from None


def query_memory_limit(path: Path | str | None = None) -> str:
    """Only [query] memory_limit of the file at `path` (None: the default), without reading the rest.
    QueryConfigError for an unreadable file or a value that is not a size."""
    if path is None:
        return DEFAULT_QUERY_MEMORY
    return query_memory(read_rules_file(path, QueryConfigError))
