"""The CLI's command groups, one module each: account, trading, closing, sizing,
history, sim and demo."""
