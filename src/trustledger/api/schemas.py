"""Request and response bodies of the HTTP API, with examples for the OpenAPI schema."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from trustledger.services.checking.check import MAX_BATCH

EXAMPLE_ID = "11010519491231002X"


class RecordIn(BaseModel):
    """A record as a source submits it; the source is the key's. Validated by the intake service."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "subject": EXAMPLE_ID,
                    "type": "court.judgment_default",
                    "occurred_on": "2026-03-02",
                    "decided_on": "2026-06-15",
                    "case_ref": "(2026)京0105执1234号",
                    "evidence_ref": "court-bj-0105/2026/1234",
                    "attributes": {"amount_cny": 86000},
                }
            ]
        },
    )

    subject: str
    type: str
    occurred_on: str
    decided_on: str
    case_ref: str
    evidence_ref: str | None = None
    attributes: dict[str, Any] | None = None


class NoticeRef(BaseModel):
    notice_id: str
    target: str
    purpose: str
    issued_on: date


class RecordOut(BaseModel):
    record_id: str
    created: bool = Field(description="False when the same payload had been submitted before")
    subject: str
    type: str
    case_ref: str
    notices: list[NoticeRef] = []


class RecordsOut(BaseModel):
    results: list[RecordOut]


class CheckOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"allowed": True},
                {
                    "allowed": False,
                    "reason": "rail.smoking",
                    "until": "2027-06-02",
                    "appeal": "/portal",
                },
            ]
        }
    )

    allowed: bool
    reason: str | None = None
    until: date | None = None
    appeal: str | None = None


class CheckQuery(BaseModel):
    """The query of GET /v1/check, as the OpenAPI schema documents it (check_route reads it)."""

    subject: str = Field(examples=[EXAMPLE_ID])
    mode: Literal["air", "rail"]
    class_: Literal["standard", "premium"] = Field("standard", alias="class")
    on: date | None = Field(None, description="Travel date; default today")


class BatchCheckIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"subjects": [EXAMPLE_ID], "mode": "air", "on": "2027-01-10"}]
        },
    )

    subjects: list[str] = Field(max_length=MAX_BATCH)
    mode: Literal["air", "rail"]
    class_: Literal["standard", "premium"] = Field("standard", alias="class")
    on: date | None = None


class BatchItemOut(BaseModel):
    subject: str
    allowed: bool
    reason: str | None = None
    until: date | None = None
    appeal: str | None = None  # where a denied traveller can see and contest why


class BatchCheckOut(BaseModel):
    results: list[BatchItemOut]


class AppealIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"grounds": "The debt was paid on 2026-07-01; receipt attached."}]
        },
    )

    grounds: str = Field(min_length=1, max_length=10_000)
    record_id: str | None = None
    access_code: str | None = Field(
        None, description="The code from a notice: required with a subject key, none for officers"
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"outcome": "overturned", "reasons": "Payment receipt verified with the court."}
            ]
        },
    )

    outcome: Literal["upheld", "overturned", "modified"]
    reasons: str = Field(min_length=1, max_length=10_000)
    ends_on: date | None = Field(None, description="For `modified`: the new, earlier last day")


class FulfilmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: date | None = Field(None, description="When the obligation was met; default today")


class AuditVerdictOut(BaseModel):
    intact: bool
    entries: int
    first_broken: int | None = None
    reason: str | None = None


class CheckpointOut(BaseModel):
    origin: str
    size: int
    root: str = Field(description="The root hash, base64 (as in the note)")
    time: str
    note: str = Field(description="The checkpoint as a C2SP signed note, Ed25519")
    key: str = Field(description="The log's verifier key: name+keyid+base64")


class InclusionOut(BaseModel):
    leaf: int
    size: int
    kind: Literal["event", "audit"]
    ref: int = Field(description="The seq of the event or audit entry the leaf logs")
    leaf_hash: str
    path: list[str]


class ConsistencyOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    first: int = Field(serialization_alias="from")
    second: int = Field(serialization_alias="to")
    path: list[str]


class Health(BaseModel):
    status: str
    seq: int
    restrictions: int
    in_flight: int = Field(description="HTTP requests this process is answering, this one included")
    role: Literal["primary", "replica"] = "primary"
    index: str = Field(
        default="database", description="Where the check index started from: database or snapshot"
    )
    seconds_behind: float | None = Field(
        default=None,
        description="A replica: seconds since it was last known current with the primary",
    )
    primary: str | None = Field(
        default=None,
        description="A replica: streaming, disconnected, or none (it reads no standby)",
    )


class FigureOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    label: str
    count: int | None = Field(description="None when the group is too small to show")
    shown: str = Field(description='The count as published: "<10" when suppressed')


class DayFiguresOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: date
    started: int | None
    started_shown: str
    ended: int | None
    ended_shown: str


class StatsOut(BaseModel):
    """services.stats.Stats as published: aggregates only, no figure about one person."""

    # Built from Stats.as_dict (the page's figures); extra keys there fail here, not vanish.
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    on: date
    from_: date = Field(alias="from")
    per: Literal["day", "week"]
    suppressed_below: int
    active_restrictions: FigureOut
    people_restricted: FigureOut
    active_by_mode: list[FigureOut]
    active_by_rule: list[FigureOut]
    active_by_province: list[FigureOut]
    per_day: list[DayFiguresOut]
    appeals_by_outcome: list[FigureOut]
    appeal_decision_days: list[FigureOut]
    appeal_median_days: float | None
