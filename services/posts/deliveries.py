"""Reading one delivery and its attempt log."""
from __future__ import annotations

from sqlmodel import select

from services.core import db
from services.core.models import Delivery, DeliveryAttempt


def get_delivery(delivery_id: int) -> tuple[Delivery, list[DeliveryAttempt]] | None:
    """The delivery with its attempts, oldest first; None when it is gone."""
    with db.session() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            return None
        attempts = session.exec(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id)
                                .order_by(DeliveryAttempt.id)).all()
    return delivery, list(attempts)
