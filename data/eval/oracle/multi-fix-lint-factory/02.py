path = "src/punie/agent/factory.py"
source = read_file(path)
source = source.replace("import os\nimport json\n", "")
source = source.replace("if config == None:", "if config is None:")
source = source.replace(
    '    return f"{agent.name} on {agent.config.model} with tools: {names} (max {agent.config.max_turns} turns)"',
    '    config = agent.config\n    return f"{agent.name} on {config.model} with tools: {names} (max {config.max_turns} turns)"',
)
source = source.replace('return f"punie"', 'return "punie"')
write_file(path, source)
result = ruff_check(path)
print(f"violations after the fix: {result.error_count}")
