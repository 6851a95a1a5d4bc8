"""Meeting-room booking API: request dicts in, response dicts out."""
