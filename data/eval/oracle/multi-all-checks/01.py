path = "src/punie/agent/toolset.py"
types = typecheck(path)
lint = ruff_check(path)
tests = pytest_run("tests/test_toolset.py")
print(f"type errors: {types.error_count}")
for error in types.errors:
    print(f"  {error.line} {error.code}: {error.message}")
print(f"lint violations: {lint.error_count}")
for v in lint.violations:
    print(f"  {v.line} {v.code}: {v.message}")
print(f"tests failed: {tests.failed}")
for failure in tests.failures:
    print(f"  {failure.test_id}: {failure.message}")
