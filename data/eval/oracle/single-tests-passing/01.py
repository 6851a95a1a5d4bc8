result = pytest_run("tests")
print(f"success={result.success} passed={result.passed} failed={result.failed}")
for failure in result.failures:
    print(failure.test_id)
