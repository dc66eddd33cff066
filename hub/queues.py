"""What `orderb2b queues` shows: broker queue depths, outbox backlog, dead letters."""

from __future__ import annotations

from core.storage import dead_letters, outbox
from hub.amqp import admin
from hub.bootstrap import App
from hub.service import processor_keys, topology_for


def queue_report(app: App) -> dict:
    report = {
        "transport": "in-process" if app.config.embedded else "rabbitmq",
        "outbox_unsent": outbox.backlog(app.engine),
        "queues": {},
        "dead_letters": [
            {
                "id": d.id,
                "processor": d.processor,
                "routing_key": d.routing_key,
                "message_id": d.message_id,
                "attempts": d.attempts,
                "failed_at": d.failed_at.isoformat(),
                "error": d.error,
            }
            for d in dead_letters.listing(app.engine)
        ],
    }
    if not app.config.embedded:
        report["queues"] = admin.queue_depths(
            app.config.amqp_url, topology_for(app), processor_keys(app)
        )
    return report


def report_text(report: dict) -> str:
    lines = [f"transport: {report['transport']}", f"outbox unsent: {report['outbox_unsent']}"]
    if report["queues"]:
        lines.append(f"{'QUEUE':<44} {'MESSAGES':>8} {'CONSUMERS':>9}")
        for name, depth in report["queues"].items():
            lines.append(f"{name:<44} {depth['messages']:>8} {depth['consumers']:>9}")
    lines.append(f"dead letters: {len(report['dead_letters'])}")
    for d in report["dead_letters"]:
        lines.append(
            f"  #{d['id']} {d['processor']} {d['routing_key']} attempts={d['attempts']} "
            f"at {d['failed_at']}: {d['error']}"
        )
    return "\n".join(lines)


def replay(app: App, dead_letter_id: int):
    letter = dead_letters.replay(app.engine, dead_letter_id)
    if not app.config.embedded:
        admin.take_dead_copy(app.config.amqp_url, topology_for(app), letter.message_id)
    return letter
