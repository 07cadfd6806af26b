"""`trustledger audit witness URL --state FILE`: keep the log's checkpoints outside its database.

The state file is JSON Lines: the log's verifier key first, then every checkpoint kept, as the
signed note the log served. Each new checkpoint is kept only if its signature verifies and the
log proves it consistent with the last one kept; otherwise nothing is written and the exit code
is 1: a log that cannot prove it only grew has been changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import orjson
import typer
from rich.console import Console

from trustledger.domain.checkpoints import (
    Checkpoint,
    VerifierKey,
    open_note,
    parse_verifier_key,
)
from trustledger.domain.errors import InvalidInput, Unavailable
from trustledger.domain.merkle import verify_consistency

out = Console(highlight=False, soft_wrap=True)
EXIT_INCONSISTENT = 1


@dataclass
class WitnessState:
    key: VerifierKey | None = None
    notes: list[str] = field(default_factory=list)

    def checkpoints(self) -> list[Checkpoint]:
        if self.key is None:
            return []
        key = self.key
        return [open_note(n, key, field=f"checkpoint {i}") for i, n in enumerate(self.notes, 1)]


def read_state(path: Path) -> WitnessState:
    """A witness's file, every checkpoint's signature checked; InvalidInput naming the line."""
    state = WitnessState()
    if not path.exists():
        return state
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        where = f"{path}:{number}"
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InvalidInput(where, f"not JSON ({exc})") from exc
        if number == 1:
            state.key = parse_verifier_key(str(item.get("key", "")), field=where)
        elif isinstance(item, dict) and isinstance(item.get("note"), str):
            assert state.key is not None
            open_note(item["note"], state.key, field=where)
            state.notes.append(item["note"])
        else:
            raise InvalidInput(where, 'expected {"note": "<signed checkpoint>"}')
    return state


def _append(path: Path, lines: list[dict[str, Any]]) -> None:
    with path.open("ab") as f:
        for line in lines:
            f.write(orjson.dumps(line) + b"\n")


def _get(client: httpx.Client, path: str, **params: int) -> Any:
    try:
        response = client.get(path, params=params)
    except httpx.HTTPError as exc:
        raise Unavailable(f"{client.base_url}: {exc}") from exc
    if response.status_code != 200:
        raise Unavailable(f"{response.request.url}: HTTP {response.status_code} {response.text}")
    return response.json()


def witness(
    url: Annotated[str, typer.Argument(help="The registry's base URL, e.g. https://host:8000")],
    state_file: Annotated[Path, typer.Option("--state", help="The witness's JSON Lines file.")],
    api_key: Annotated[
        str, typer.Option("--api-key", envvar="TRUSTLEDGER_API_KEY", help="An auditor key.")
    ],
    public_key: Annotated[
        str | None,
        typer.Option("--public-key", help="The log's key (`trustledger audit key`); pinned."),
    ] = None,
) -> None:
    """Fetch the latest checkpoint, check its signature and that it extends the last one kept,
    then append it to the state file (exit 1, nothing kept, when it does not)."""
    state = read_state(state_file)
    pinned = parse_verifier_key(public_key, field="--public-key") if public_key else None
    if state.key is not None and pinned is not None and pinned != state.key:
        raise InvalidInput("--public-key", f"differs from the key kept in {state_file}")
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=30) as client:
        served = _get(client, "/v1/audit/checkpoint")
        key = state.key or pinned or parse_verifier_key(served["key"], field="key")
        new = open_note(served["note"], key, field="the served checkpoint")
        if new.origin != key.name:
            raise InvalidInput("checkpoint", f"origin {new.origin!r} is not the key's {key.name}")
        last = state.checkpoints()[-1] if state.notes else None
        if last is not None and not _extends(client, last, new):
            out.print(
                f"INCONSISTENT: checkpoint of size {new.size} does not extend the one kept "
                f"(size {last.size}); not kept. Served note:\n{served['note']}",
                markup=False,
            )
            raise typer.Exit(EXIT_INCONSISTENT)
    lines = [] if state.key is not None else [{"key": key.text()}]
    _append(state_file, [*lines, {"note": served["note"]}])
    since = "first checkpoint" if last is None else f"consistent with size {last.size}"
    out.print(f"kept checkpoint: size {new.size}, {since}", markup=False)


def _extends(client: httpx.Client, last: Checkpoint, new: Checkpoint) -> bool:
    if new.size <= last.size:
        return new.size == last.size and new.root == last.root
    if last.size == 0:
        return True
    proof = _get(client, "/v1/audit/consistency", **{"from": last.size, "to": new.size})
    try:
        path = [bytes.fromhex(h) for h in proof["path"]]
    except (KeyError, TypeError, ValueError):
        return False
    return verify_consistency(last.size, new.size, last.root, new.root, path)
