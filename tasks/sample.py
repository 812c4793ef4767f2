"""Task wrapper around the sample-share generator used by the demo."""
from __future__ import annotations

from prefect import task

from tasks.home import Home
from tasks.sample_share import build_sample_share


@task(name="build-demo-share")
def build_demo_share(home: Home) -> list[str]:
    """Writes the sample workbooks once; a second demo run finds them already filed and adds nothing."""
    marker = home.state / "demo-share-built"
    if marker.exists():
        return []
    paths = build_sample_share(home.inbox)
    marker.write_text("\n".join(str(p) for p in paths), encoding="utf-8")
    return [str(p) for p in paths]
