path = "src/punie/agent/toolset.py"
source = read_file(path)
source = source.replace("return chosen[: limit + 1]", "return chosen[:limit]")
write_file(path, source)
result = pytest_run("tests")
print(f"{result.passed} passed, {result.failed} failed")
