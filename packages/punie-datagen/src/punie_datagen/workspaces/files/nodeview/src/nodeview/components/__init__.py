"""Ready-made components: page layout, forms and tables."""
