print(run_command("ls", ["components"]))
print(read_file("components/greeting.py"))
