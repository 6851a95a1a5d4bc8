"""Where configuration comes from: TOML text, environment variables, flags."""
