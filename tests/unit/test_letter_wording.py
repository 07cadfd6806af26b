"""A rendered letter, pinned byte for byte: a change to how letters are rendered must not change one."""

from __future__ import annotations

from pathlib import Path

from tests.due_factories import COURT, due
from tests.factories import judgment

PINNED = Path(__file__).parent / "letters"


def test_a_restriction_letter_reads_exactly_as_pinned() -> None:
    d = due()
    (notice,) = d.intake.submit(judgment(case_ref="J-77"), source=COURT).notices
    letter = d.store.memory.notices[notice.notice_id]
    assert notice.access_code is not None
    for rendered, name in ((letter.text, "restriction.txt"), (letter.html, "restriction.html")):
        # The notice id and the access code are random: the pinned files name them.
        anonymous = rendered.replace(notice.notice_id, "NOTICE_ID")
        anonymous = anonymous.replace(notice.access_code, "ACCESS_CODE")
        assert anonymous == (PINNED / name).read_text(encoding="utf-8")
