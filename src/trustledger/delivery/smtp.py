"""Send letters over SMTP; errors become DeliveryFailed so the outbox can retry."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from trustledger.domain.errors import DeliveryFailed
from trustledger.services.due_process.letters import Letter

__all__ = ["DeliveryFailed", "SmtpMailer"]


class SmtpMailer:
    """The outbox's Mailer: one connection per letter, plain text with an HTML alternative."""

    def __init__(self, host: str, port: int, *, sender: str, timeout: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def send(self, to: str, letter: Letter) -> None:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = letter.subject_line
        msg.set_content(letter.text)
        msg.add_alternative(letter.html, subtype="html")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"SMTP {self.host}:{self.port}: {exc}") from exc
