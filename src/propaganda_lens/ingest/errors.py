"""The one error type ingestion raises: its message is a complete sentence for the user."""


class IngestError(ValueError):
    """An input that cannot be analyzed; the message says what is wrong and what to do."""


class InvalidText(IngestError):
    """Text that is not valid Unicode (an unpaired surrogate), so that nothing can encode it."""
