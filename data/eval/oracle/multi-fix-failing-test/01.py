result = pytest_run("tests")
print(f"{result.passed} passed, {result.failed} failed")
for failure in result.failures:
    print(failure.test_id)
    print(failure.message)
