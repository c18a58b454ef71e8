"""Where the server's e-mails and text messages go during the browser tests: one JSON line
per message in the folder ``YILIAN_E2E_OUTBOX`` names, so a test reads what the server
sent whether the server runs in the test's process or in worker processes of its own."""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

from yilian.notify.sms import BaseSMSBackend


def _folder() -> Path:
    return Path(os.environ["YILIAN_E2E_OUTBOX"])


def _append(name: str, record: dict) -> None:
    with (_folder() / name).open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _read(name: str) -> list[dict]:
    path = _folder() / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


class TextOutbox(BaseSMSBackend):
    def send(self, phone: str, text: str) -> None:
        _append("sms.jsonl", {"phone": phone, "text": text})


class MailOutbox(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            _append("mail.jsonl", {"to": list(message.to), "body": message.body})
        return len(email_messages)


def texts() -> list[str]:
    return [record["text"] for record in _read("sms.jsonl")]


def mail_bodies() -> list[str]:
    return [record["body"] for record in _read("mail.jsonl")]


def clear() -> None:
    for name in ("sms.jsonl", "mail.jsonl"):
        (_folder() / name).unlink(missing_ok=True)
