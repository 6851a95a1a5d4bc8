print(read_file("src/punie/agent/factory.py"))
