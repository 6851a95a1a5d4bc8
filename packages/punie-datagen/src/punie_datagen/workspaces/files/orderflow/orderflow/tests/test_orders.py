from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from orderflow.machine import GuardFailed, InvalidTransition
from orderflow.orders import (
    Order,
    OrderEvent,
    OrderState,
    OutOfStock,
    Warehouse,
    new_order_machine,
    status_line,
)

DELIVERED = datetime(2024, 5, 1, 12, 0)


@pytest.fixture
def warehouse() -> Warehouse:
    return Warehouse(stock={"mug": 5, "tea": 2})


@pytest.fixture
def order() -> Order:
    order = Order("A-100")
    order.add("mug", 2, Decimal("8.50"))
    order.add("tea", 1, Decimal("4.25"))
    return order


def test_order_total(order):
    assert order.total() == Decimal("21.25")


def test_happy_path_moves_stock(warehouse, order):
    machine = new_order_machine(warehouse)
    machine.fire(OrderEvent.PLACE, order)
    assert warehouse.available("mug") == 3
    order.paid = Decimal("21.25")
    for event in (OrderEvent.PAY, OrderEvent.PACK, OrderEvent.SHIP):
        machine.fire(event, order)
    assert warehouse.stock == {"mug": 3, "tea": 1}
    assert warehouse.reserved == {"mug": 0, "tea": 0}
    assert machine.fire(OrderEvent.DELIVER, order) is OrderState.DELIVERED


def test_empty_cart_cannot_be_placed(warehouse):
    with pytest.raises(GuardFailed, match="the cart is empty"):
        new_order_machine(warehouse).fire(OrderEvent.PLACE, Order("A-101"))


def test_placing_more_than_stock_fails_and_reserves_nothing(warehouse, order):
    order.add("tea", 5, Decimal("4.25"))
    with pytest.raises(OutOfStock, match="tea"):
        new_order_machine(warehouse).fire(OrderEvent.PLACE, order)
    assert warehouse.reserved == {}


def test_underpayment_is_refused(warehouse, order):
    machine = new_order_machine(warehouse)
    machine.fire(OrderEvent.PLACE, order)
    order.paid = Decimal("20")
    with pytest.raises(GuardFailed, match="payment does not match"):
        machine.fire(OrderEvent.PAY, order)


def test_cancel_releases_stock(warehouse, order):
    machine = new_order_machine(warehouse)
    machine.fire(OrderEvent.PLACE, order)
    machine.fire(OrderEvent.CANCEL, order)
    assert warehouse.available("mug") == 5
    with pytest.raises(InvalidTransition):
        machine.fire(OrderEvent.PAY, order)


@pytest.mark.parametrize(("days", "allowed"), [(30, True), (31, False)])
def test_refund_window(warehouse, order, days, allowed):
    machine = new_order_machine(warehouse)
    machine.fire(OrderEvent.PLACE, order)
    order.paid = order.total()
    for event in (OrderEvent.PAY, OrderEvent.PACK, OrderEvent.SHIP, OrderEvent.DELIVER):
        machine.fire(event, order)
    order.delivered_at = DELIVERED
    order.now = DELIVERED + timedelta(days=days)
    assert machine.can_fire(OrderEvent.REFUND, order) is allowed


def test_status_line(warehouse, order):
    machine = new_order_machine(warehouse)
    machine.fire(OrderEvent.PLACE, order)
    assert status_line(order, machine) == "Order A-100: placed (you can: cancel)"
    order.paid = order.total()
    assert status_line(order, machine) == "Order A-100: placed (you can: pay, cancel)"
