path = "src/punie/agent/config.py"
source = read_file(path)
source = source.replace("        return None\n", "        return 0\n")
source = source.replace(
    'return config.model + " (" + config.max_turns + " turns)"',
    'return f"{config.model} ({config.max_turns} turns)"',
)
write_file(path, source)
result = typecheck(path)
print(f"type errors after the fix: {result.error_count}")
