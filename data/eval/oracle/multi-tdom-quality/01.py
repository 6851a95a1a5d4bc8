types = typecheck("components")
lint = ruff_check("components")
print(f"type errors: {types.error_count}")
for error in types.errors:
    print(f"  {error.file}:{error.line} {error.code}: {error.message}")
print(f"lint violations: {lint.error_count}")
for v in lint.violations:
    print(f"  {v.file}:{v.line} {v.code}: {v.message}")
