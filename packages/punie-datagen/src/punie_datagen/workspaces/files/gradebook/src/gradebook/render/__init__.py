"""Plain-text rendering: a table layout and the class report built on it."""
