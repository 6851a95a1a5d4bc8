"""The services of the notification app, and the registry that wires them."""
