"""Pure domain rules: no Django, no Splink, no IO. Each is a function of its arguments."""
