print(read_file("src/punie/agent/history.py"))
