"""Response bodies of due process: appeals and their decisions, fulfilment, review cases, queues."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from trustledger.domain.evaluation import AppealOutcome

TRUNCATED = "True when the list stopped at `limit`: there may be more"
# The routes build these from the services' answers with `model_validate(answer,
# from_attributes=True)`: a model names the fields it publishes, read off the answer by name.


class AppealOut(BaseModel):
    appeal_id: str
    subject: str
    target: str = Field(description="The record_id or review case_id of the restriction appealed")
    filed_on: date
    deadline: date = Field(description="The officer's decision is due by then")
    record_withdrawn_on: date | None = Field(
        None,
        description="The day the record appealed was withdrawn by its source, if it has been: "
        "the appeal stays open, and keeps the record only until its deadline",
    )
    record_overturned_on: date | None = Field(
        None, description="The day another appeal overturned the record appealed, if one has"
    )


class AppealDecisionOut(BaseModel):
    appeal_id: str
    subject: str
    outcome: AppealOutcome
    decided_on: date
    ends_on: date | None = Field(description="For `modified`: the restriction's new last day")
    notice_id: str = Field(description="The decision notice sent to the subject")


class FulfilmentOut(BaseModel):
    record_id: str
    reported_on: date = Field(description="The day the registry learned it: a lift starts then")
    met_on: date
    created: bool = Field(description="False when it had been reported before: nothing changed")
    lifted: list[str] = Field(description="The restrictions it lifted")
    notice_ids: list[str]


class AppealsOut(BaseModel):
    appeals: list[AppealOut]
    truncated: bool = Field(description=TRUNCATED)


class ReviewOut(BaseModel):
    case_id: str
    subject: str
    opened_on: date
    score: int
    below: int = Field(description="The threshold the score fell below")


class ReviewsOut(BaseModel):
    reviews: list[ReviewOut]
    truncated: bool = Field(description=TRUNCATED)


class DecidedRestrictionOut(BaseModel):
    scopes: list[Literal["air", "rail", "rail_premium"]]
    starts_on: date | None
    ends_on: date | None


class ReviewDecisionOut(BaseModel):
    case_id: str
    outcome: str = Field(description="restrict or no_action")
    decided_on: date
    notice_id: str
    restriction: DecidedRestrictionOut | None = Field(
        description="A restrict decision's restriction, pending its notice period"
    )


class UndeliveredNoticeOut(BaseModel):
    notice_id: str
    subject: str
    purpose: str
    issued_on: date
    attempts: int
    last_error: str | None


class UndeliveredOut(BaseModel):
    notices: list[UndeliveredNoticeOut]
    truncated: bool = Field(description=TRUNCATED)
