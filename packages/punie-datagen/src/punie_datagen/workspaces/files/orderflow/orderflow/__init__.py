"""The order lifecycle of a small web shop as an explicit state machine."""
