print(run_command("grep", ["-rn", "register_", "app", "components", "src/tdom_svcs"]))
