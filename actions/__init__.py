"""Custom actions of the hamstring-cramp assistant (served by the rasa-sdk action server)."""
