"""Keys the suite itself sends."""

# A key no server knows, for the one probe that checks how a wrong key is refused. Recording keeps
# that refusal (and only that one): the recorder recognises the key, then removes it like any other.
WRONG_KEY = "conformance-wrong-key-0000"
