"""Outbox handler of "postal.create_order": the order goes to the operator.

The order's reference is its idempotency key, so a redelivery after a lost answer gets the
same tracking number back. A refusal (the operator says the content is wrong) marks the
order refused for the desk to see; anything else (down, slow) is retried by the outbox.
"""

from __future__ import annotations

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.postal import operator as ops
from motcua.postal import services
from motcua.postal.models import PostalOrder


@outbox.handler(services.TOPIC)
def create_order(message: OutboxMessage) -> None:
    order = (
        PostalOrder.objects.select_related(
            "dossier__agency__unit__parent", "dossier__return_unit__parent"
        )
        .filter(pk=message.payload.get("order_id"))
        .first()
    )
    if order is None:
        raise outbox.Undeliverable(f"postal order {message.payload!r} does not exist")
    if order.tracking_number or order.status != PostalOrder.Status.PENDING:
        return  # created before (the answer was recorded) or refused
    operator = ops.get_operator()
    try:
        created = operator.create_order(services.order_request(order))
    except ops.OperatorError as exc:
        if exc.refused:
            services.record_refused(order.pk, str(exc))
            return
        raise
    services.record_created(order.pk, created)
