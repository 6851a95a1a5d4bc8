"""Clean, resample and summarise sensor readings."""
