result = typecheck("src/punie/agent/config.py")
for error in result.errors:
    print(f"{error.file}:{error.line} [{error.code}] {error.message}")
