"""Shop pages as components that receive their services by injection."""
