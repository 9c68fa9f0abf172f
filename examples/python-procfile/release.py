"""The release phase: runs once per deploy before the new release takes traffic."""
print("release phase: migrations up to date", flush=True)
