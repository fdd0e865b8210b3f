"""Consult reminders: a system message in the conversation, and e-mail with an .ics when SMTP is set.

`send_due_reminders(state, now)` reminds every appointment starting within
`reminder_lead_s` of `now` that was not reminded yet; the worker calls it every
few seconds. Marking the appointment and posting the message share one
idempotency key, so two processes never remind twice in the conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select, update

from seabridge.calls.appointments import ics, join_url, local_text, store_page
from seabridge.db.calls import Appointment
from seabridge.db.models import Agent, Store
from seabridge.state import AppState
from seabridge.storage import calls as store

log = logging.getLogger(__name__)

SWEEP_S = 5.0


async def send_due_reminders(state: AppState, now: datetime | None = None) -> int:
    """Remind what is due at `now` (default: the wall clock); returns how many appointments."""
    now = now or datetime.now(UTC)
    settings = state.settings
    async with state.sessions() as session:
        due = await store.due_reminders(session, now + timedelta(seconds=settings.reminder_lead_s))
    sent = 0
    for appointment in due:
        async with state.sessions() as session, session.begin():
            claimed = await session.execute(
                update(Appointment)
                .where(Appointment.id == appointment.id, Appointment.reminded_at.is_(None))
                .values(reminded_at=now)
            )
            if not claimed.rowcount:  # type: ignore[attr-defined]
                continue  # another process took it
            shop = await session.get(Store, appointment.store_id)
            emails = list(await session.scalars(select(Agent.email).where(Agent.store_id == appointment.store_id)))
        if shop is None:
            continue
        url = join_url(store_page(settings.effective_public_url, shop.slug, shop.extra), appointment.call_id)
        text = (
            f"Reminder: your {appointment.media} consult starts at "
            f"{local_text(appointment.starts_at, appointment.buyer_timezone)}. Join: {url}"
        )
        data = {
            "event": "consult_reminder",
            "call_id": appointment.call_id,
            "starts_at": appointment.starts_at.isoformat().replace("+00:00", "Z"),
            "buyer_timezone": appointment.buyer_timezone,
            "store_local": local_text(appointment.starts_at, shop.timezone),
            "join_url": url,
        }
        await state.messaging.post_system(
            appointment.store_id, appointment.conversation_id, f"consult-{appointment.call_id}-reminder", text, data
        )
        if settings.smtp_host:
            recipients = [e for e in [appointment.email, *emails] if e]
            if recipients:
                message = reminder_email(
                    settings.smtp_from, recipients, shop.name, text, ics(appointment, shop.name, url)
                )
                try:
                    await asyncio.to_thread(_send, settings.smtp_host, settings.smtp_port, message)
                except (OSError, smtplib.SMTPException) as exc:
                    log.warning(
                        "reminder e-mail failed", extra={"call_id": appointment.call_id, "error": type(exc).__name__}
                    )
        sent += 1
    return sent


def reminder_email(sender: str, recipients: list[str], store_name: str, text: str, calendar: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"Your consult with {store_name}"
    message["From"] = sender
    message["To"] = sender  # recipients go in Bcc: buyers never see the team's addresses
    message["Bcc"] = ", ".join(recipients)
    message.set_content(text)
    message.add_attachment(
        calendar.encode(), maintype="text", subtype="calendar", filename="consult.ics", params={"method": "PUBLISH"}
    )
    return message


def _send(host: str, port: int, message: EmailMessage) -> None:
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        smtp.send_message(message)


async def reminder_worker(state: AppState, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await send_due_reminders(state)
        except Exception:
            log.warning("consult reminder sweep failed", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=SWEEP_S)
