"""`python -m punie_datagen`: the punie-datagen CLI."""

from punie_datagen.cli import main

main()
