result = ruff_check("src/punie/agent")
print(f"{result.error_count} violations, {result.fixable_count} fixable")
for v in result.violations:
    print(f"{v.file}:{v.line} {v.code} {v.message}")
