"""Services: the layer the window and the command line call (no Qt here)."""
