"""Scripts of the console that run with Rasa's environment (recording test data)."""
