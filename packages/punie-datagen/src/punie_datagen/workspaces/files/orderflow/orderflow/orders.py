"""Orders: the shop's states and events, the rules between them, and stock.

    CART --place--> PLACED --pay--> PAID --pack--> PACKED --ship--> SHIPPED
    SHIPPED --deliver--> DELIVERED --refund--> REFUNDED
    PLACED, PAID, PACKED --cancel--> CANCELLED
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum, auto

from orderflow.machine import StateMachine, Transition

REFUND_WINDOW = timedelta(days=30)


class OrderState(Enum):
    CART = auto()
    PLACED = auto()
    PAID = auto()
    PACKED = auto()
    SHIPPED = auto()
    DELIVERED = auto()
    CANCELLED = auto()
    REFUNDED = auto()


class OrderEvent(Enum):
    PLACE = auto()
    PAY = auto()
    PACK = auto()
    SHIP = auto()
    DELIVER = auto()
    CANCEL = auto()
    REFUND = auto()


class OutOfStock(Exception):
    """An order asks for more units than the warehouse holds."""


@dataclass
class Order:
    id: str
    lines: dict[str, int] = field(default_factory=dict)
    prices: dict[str, Decimal] = field(default_factory=dict)
    paid: Decimal = Decimal(0)
    delivered_at: datetime | None = None
    now: datetime | None = None

    def add(self, sku: str, quantity: int, price: Decimal) -> None:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self.lines[sku] = self.lines.get(sku, 0) + quantity
        self.prices[sku] = price

    def total(self) -> Decimal:
        return sum(
            (self.prices[sku] * quantity for sku, quantity in self.lines.items()),
            Decimal(0),
        )


@dataclass
class Warehouse:
    stock: dict[str, int] = field(default_factory=dict)
    reserved: dict[str, int] = field(default_factory=dict)

    def available(self, sku: str) -> int:
        return self.stock.get(sku, 0) - self.reserved.get(sku, 0)

    def reserve(self, order: Order) -> None:
        """Hold every line of the order, or none of them."""
        short = [sku for sku, qty in order.lines.items() if self.available(sku) < qty]
        if short:
            raise OutOfStock(", ".join(sorted(short)))
        for sku, quantity in order.lines.items():
            self.reserved[sku] = self.reserved.get(sku, 0) + quantity

    def release(self, order: Order) -> None:
        for sku, quantity in order.lines.items():
            self.reserved[sku] = self.reserved.get(sku, 0) - quantity

    def dispatch(self, order: Order) -> None:
        """Reserved units leave the building."""
        for sku, quantity in order.lines.items():
            self.reserved[sku] = self.reserved.get(sku, 0) - quantity
            self.stock[sku] = self.stock.get(sku, 0) - quantity


def _has_lines(order: Order) -> bool:
    return bool(order.lines)


def _paid_in_full(order: Order) -> bool:
    return order.paid == order.total()


def _within_refund_window(order: Order) -> bool:
    if order.delivered_at is None or order.now is None:
        return False
    return order.now - order.delivered_at <= REFUND_WINDOW


def order_transitions(
    warehouse: Warehouse,
) -> dict[tuple[OrderState, OrderEvent], Transition[OrderState, Order]]:
    """The rules of the shop; actions keep the warehouse in step."""
    s, e = OrderState, OrderEvent
    cancel = Transition(s.CANCELLED, action=warehouse.release)
    return {
        (s.CART, e.PLACE): Transition(
            s.PLACED, _has_lines, warehouse.reserve, "the cart is empty"
        ),
        (s.PLACED, e.PAY): Transition(
            s.PAID, _paid_in_full, None, "payment does not match the total"
        ),
        (s.PAID, e.PACK): Transition(s.PACKED),
        (s.PACKED, e.SHIP): Transition(s.SHIPPED, action=warehouse.dispatch),
        (s.SHIPPED, e.DELIVER): Transition(s.DELIVERED),
        (s.DELIVERED, e.REFUND): Transition(
            s.REFUNDED, _within_refund_window, None, "the refund window has closed"
        ),
        (s.PLACED, e.CANCEL): cancel,
        (s.PAID, e.CANCEL): cancel,
        (s.PACKED, e.CANCEL): cancel,
    }


OrderMachine = StateMachine[OrderState, OrderEvent, Order]


def new_order_machine(warehouse: Warehouse) -> OrderMachine:
    return StateMachine(
        OrderState.CART,
        order_transitions(warehouse),
        final=frozenset({OrderState.CANCELLED, OrderState.REFUNDED}),
    )


def status_line(order: Order, machine: OrderMachine) -> str:
    """What a customer sees: the order, its state and what they can do next."""
    actions = [event.name.lower() for event in machine.available(order)]
    choices = ", ".join(actions) if actions else "nothing"
    return f"Order {order.id}: {machine.state.name.lower()} (you can: {choices})"
