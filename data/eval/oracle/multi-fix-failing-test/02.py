print(read_file("src/punie/agent/toolset.py"))
