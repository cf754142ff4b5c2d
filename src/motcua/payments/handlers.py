"""Outbox delivery of the calls that change something on the payment platform."""

from __future__ import annotations

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.payments import platform


@outbox.handler("payments.cancel")
def cancel(message: OutboxMessage) -> None:
    """Cancel an order closed here (paid at the desk, dossier stopped). If the citizen paid
    it meanwhile, the payment is recorded and listed for a refund (services._paid)."""
    from motcua.payments import services
    from motcua.payments.models import PaymentNotification

    order_id = message.payload["order_id"]
    adapter = platform.get_platform()
    state = adapter.cancel(order_id, idempotency_key=message.key)
    if state is not None and state.status == platform.PAID:
        services.apply_state(state, source=PaymentNotification.Source.QUERY)
