"""An html component library."""
