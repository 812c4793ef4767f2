"""Time, one way for all of srdi (issue 19, finding 2). Pure: no I/O.

* An **instant** (when a file arrived, when a run ended) is an aware `datetime`. The warehouse stores instants as
  TIMESTAMPTZ and every connection srdi opens reads them in UTC (warehouse/connection.py); the server's own zone
  (`TZ`, /etc/localtime) never decides anything.
* The **programme's time zone** (`time_zone` in rollup_config.toml, default Asia/Shanghai) is the one a person
  reads and the one every deadline is judged in: a 2022Q3 report due 2022-10-10 that arrived 2022-10-11 06:30
  Beijing time (2022-10-10 22:30 UTC) is late, whatever the server's clock says.
* `shown(instant)` is the one place an instant becomes the text a person sees (receipts, error lists, notes, packs,
  dashboards, `srdi status`, CLI lines): `2022-10-11 06:30`, in the programme's zone.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import cache
from typing import overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Asia/Shanghai"
SHOWN_FORMAT = "%Y-%m-%d %H:%M"
EMPTY = "—"


@cache
def zone(name: str | None = None) -> ZoneInfo:
    """The programme's zone (`name` from rollup_config.toml; None: the default). ValueError for an unknown name."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"未知时区“{name}” / unknown time zone {name!r} (an IANA name such as Asia/Shanghai)") from None


def now() -> datetime:
    """This instant, aware (UTC): what srdi records."""
    return datetime.now(timezone.utc)


def from_timestamp(seconds: float) -> datetime:
    """A file's time (st_mtime, seconds since the epoch) as an aware instant: no local zone involved."""
    return datetime.fromtimestamp(seconds, timezone.utc)


def instant(dt: datetime) -> datetime:
    """An aware instant. A naive value can only come from a warehouse written before issue 19 (TIMESTAMP columns,
    the server's local time then): it is read as this machine's local time, as it was written."""
    return dt if dt.tzinfo is not None else dt.astimezone()


def local(dt: datetime, tz: str | None = None) -> datetime:
    """The instant as wall-clock time in the programme's zone."""
    return instant(dt).astimezone(zone(tz))


def local_date(dt: datetime, tz: str | None = None) -> date:
    """The programme-zone calendar day of an instant (what a deadline is judged on)."""
    return local(dt, tz).date()


def today(tz: str | None = None) -> date:
    """Today in the programme's zone."""
    return datetime.now(zone(tz)).date()


def wall_clock(dt: datetime, tz: str | None = None) -> datetime:
    """The instant as a naive programme-zone wall-clock time: the value of an Excel date cell (Excel has no zones),
    shown through the cell's number format exactly as `shown` writes it."""
    return local(dt, tz).replace(tzinfo=None)


def utc_naive(dt: datetime) -> datetime:
    """The instant as naive UTC: for file metadata that the format defines as UTC (an xlsx's created, written …Z)."""
    return instant(dt).astimezone(timezone.utc).replace(tzinfo=None)


def shown(dt: datetime | None, tz: str | None = None, fmt: str = SHOWN_FORMAT) -> str:
    """The one way an instant becomes text a person reads: programme-zone wall-clock time, `2022-10-11 06:30`
    (EMPTY for none). A date (no time of day) is shown as it is."""
    if dt is None:
        return EMPTY
    if not isinstance(dt, datetime):
        return dt.isoformat() if isinstance(dt, date) else str(dt)
    return local(dt, tz).strftime(fmt)


@overload
def shown_iso(dt: datetime, tz: str | None = None) -> str: ...
@overload
def shown_iso(dt: None, tz: str | None = None) -> None: ...
def shown_iso(dt: datetime | None, tz: str | None = None) -> str | None:
    """An instant for machines that a person may read too (`srdi status --format json`): ISO 8601 with the
    programme zone's offset, `2022-10-11T06:30:00+08:00`."""
    return local(dt, tz).isoformat(timespec="seconds") if dt is not None else None
