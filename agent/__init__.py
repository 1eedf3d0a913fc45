"""The agent loop, backends and the trajectory recorder."""
