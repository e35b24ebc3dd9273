# Messaging channels (docs/channels.md): Telegram, Twilio SMS/WhatsApp, Slack, Messenger.
# The tests start fake platform servers in-process, then the real action server and
# Rasa server (with the trained model) on the ports below, and stop them afterwards.

CHANNELS_RASA_PORT ?= 5405
CHANNELS_ACTIONS_PORT ?= 5455
CHANNELS_FAKE_PORT_BASE ?= 5480
CHANNELS_STARTUP_TIMEOUT ?= 600
CHANNELS_CREDENTIALS ?= build/credentials.yml

TEST_TARGETS += test-channels

.PHONY: test-channels channels-credentials telegram-set-webhook

test-channels: $(MODEL) $(VENV_STAMP) ## Channel tests: splitting/buttons, and signed webhooks end to end against fake Telegram/Twilio/Slack/Messenger APIs
	CHANNELS_RASA_PORT=$(CHANNELS_RASA_PORT) CHANNELS_ACTIONS_PORT=$(CHANNELS_ACTIONS_PORT) \
	CHANNELS_FAKE_PORT_BASE=$(CHANNELS_FAKE_PORT_BASE) CHANNELS_STARTUP_TIMEOUT=$(CHANNELS_STARTUP_TIMEOUT) \
	CHANNELS_MODEL=$(MODEL) \
		$(PY) -m pytest -q -p no:cacheprovider tests/channels

channels-credentials: $(VENV_STAMP) ## Write build/credentials.yml for the channels whose env vars are set, and list them
	$(PY) -m channels.credentials --output $(CHANNELS_CREDENTIALS) --print-live

telegram-set-webhook: $(VENV_STAMP) ## Register the Telegram webhook (TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN, TELEGRAM_WEBHOOK_URL)
	$(PY) -m channels.telegram_api set-webhook
