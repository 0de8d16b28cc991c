"""The main window's panels: they render models and forward what the user asks for."""
