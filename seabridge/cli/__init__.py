"""The `seabridge` command (Typer + Rich)."""
