"""A dashboard's first calls, through the client openapi-python-client generated from
openapi/openapi.json (package `retning_client`). Type-checked with mypy --strict by
verify/clients.sh, then run against a server that has `seed --demo` data.

Environment: RETNING_URL, RETNING_KEY (a write key of Vordingborg), RETNING_KEY_NAME,
MEASUREMENT_DATE (YYYY-MM-DD), MEASUREMENT_VALUE.
"""

from __future__ import annotations

import datetime
import math
import os

from retning_client import AuthenticatedClient
from retning_client.api.goals import goals_list_measurements, goals_list_targets, goals_put_measurement
from retning_client.models.measurement_input import MeasurementInput
from retning_client.models.measurement_view import MeasurementView
from retning_client.models.page_target_view import PageTargetView
from retning_client.models.page_target_view_items_item import PageTargetViewItemsItem
from retning_client.models.source import Source
from retning_client.types import UNSET, Unset

MUNICIPALITY = "vordingborg"


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"{name} is not set")
    return value


def check(ok: bool, what: str) -> None:
    if not ok:
        raise SystemExit(f"python client: {what}")


def progress_of(target: PageTargetViewItemsItem) -> float | None:
    p = target.progress
    return p if isinstance(p, float) and math.isfinite(p) else None


def main() -> None:
    date = datetime.date.fromisoformat(env("MEASUREMENT_DATE"))
    value = float(env("MEASUREMENT_VALUE"))
    # The generator types every operation with a security requirement as needing an
    # AuthenticatedClient, even where `{}` makes credentials optional, so the read uses the key too.
    client = AuthenticatedClient(base_url=env("RETNING_URL"), token=env("RETNING_KEY"), raise_on_unexpected_status=True)

    # 1. The dashboard read: Vordingborg's targets with progress.
    targets: list[PageTargetViewItemsItem] = []
    cursor: str | Unset = UNSET
    while True:
        page = goals_list_targets.sync(MUNICIPALITY, client=client, limit=500, cursor=cursor)
        check(isinstance(page, PageTargetView), f"GET targets gave {page!r}")
        assert isinstance(page, PageTargetView)
        targets.extend(page.items)
        if not isinstance(page.next_cursor, str):
            break
        cursor = page.next_cursor
    with_progress = [t for t in targets if progress_of(t) is not None]
    check(len(targets) > 0, "Vordingborg has no targets")
    check(len(with_progress) > 0, "no target of Vordingborg has a numeric progress")
    shown = with_progress[0]
    print(
        f"python read: {len(targets)} targets of {MUNICIPALITY}, {len(with_progress)} with progress; "
        f'e.g. "{shown.title}" {progress_of(shown):.1f} % ({shown.assessment.value})'
    )

    # 2. The write with the API key: a measurement on one of Vordingborg's manual targets.
    target = next((t for t in targets if t.source == Source.MANUAL), None)
    check(target is not None, "Vordingborg has no manual target to write to")
    assert target is not None
    body = MeasurementInput(value=value, note="written by the generated Python client (verify/clients.sh)")
    put = goals_put_measurement.sync_detailed(MUNICIPALITY, target.id, date, client=client, body=body)
    created = put.parsed
    check(
        put.status_code in (200, 201) and isinstance(created, MeasurementView),
        f"PUT measurement answered {put.status_code}: {put.content!r}",
    )
    assert isinstance(created, MeasurementView)
    check(created.date == date, f"created date {created.date}, wanted {date}")
    check(created.value == value, f"created value {created.value}, wanted {value}")
    check(created.current, "created measurement is not current")
    check(created.recorded_by == env("RETNING_KEY_NAME"), f"recorded_by {created.recorded_by}")

    # 3. The re-read shows it.
    listed = goals_list_measurements.sync(MUNICIPALITY, target.id, client=client)
    check(isinstance(listed, list), f"GET measurements gave {listed!r}")
    assert isinstance(listed, list)
    found = [m for m in listed if m.date == date and m.current]
    check(len(found) == 1 and found[0].value == value, f"re-read has no current {value} on {date}")
    print(
        f'python write: PUT {date} = {value:g} on target {target.id} ("{target.title}") -> {int(put.status_code)}, '
        f"recorded_by {created.recorded_by}; re-read shows {found[0].value:g}"
    )


if __name__ == "__main__":
    main()
