"""Hardened messaging-platform connectors for the hamstring-cramp assistant.

Each platform module provides a Rasa ``InputChannel`` that refuses unsigned
requests, takes its API base URL from configuration (so tests can point it at a
local fake server) and splits long replies to the platform's limits:

- ``channels.telegram.TelegramSecureInput`` (Telegram Bot API)
- ``channels.twilio.TwilioSecureInput`` (Twilio SMS and WhatsApp)
- ``channels.slack.SlackSecureInput`` (Slack, built on Rasa's ``SlackInput``)
- ``channels.facebook.FacebookSecureInput`` (Messenger, built on Rasa's
  ``FacebookInput``)

``channels.credentials`` builds the Rasa credentials file from the environment.
Nothing here opens a connection or reads a secret at import time.
"""
