result = typecheck("src/punie/agent")
print(f"{result.error_count} type errors")
for error in result.errors:
    print(f"{error.file}:{error.line} [{error.code}] {error.message}")
