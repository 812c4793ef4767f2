"""A Prefect client for the API of a home's `srdi serve` (or background server): the URL and the home's credential
(srdi/api_auth.py), as srdi's own commands use them."""
from __future__ import annotations

from warehouse.home import Home


def served_settings(home: Home, url: str):
    """Prefect's settings, for the duration of a `with`, pointing at `url` with `home`'s credential."""
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    from srdi.api_auth import read
    return temporary_settings(updates={PREFECT_API_URL: url, PREFECT_API_AUTH_STRING: read(home.state)})
