result = pytest_run("tests")
print(f"{result.passed}/{result.total} passed, {result.failed} failed")
for failure in result.failures:
    print(failure.test_id)
    print(failure.message)
