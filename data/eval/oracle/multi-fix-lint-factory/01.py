result = ruff_check("src/punie/agent/factory.py")
for v in result.violations:
    print(f"{v.line}: {v.code} {v.message}")
