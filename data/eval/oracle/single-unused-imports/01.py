result = ruff_check(".")
unused = [v for v in result.violations if v.code == "F401"]
print(f"{len(unused)} unused imports")
for v in unused:
    print(f"{v.file}:{v.line} {v.message}")
