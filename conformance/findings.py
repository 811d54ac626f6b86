"""What a check concludes about one probe, before it is held against the docs."""
from dataclasses import dataclass, field

# The observed behaviours a check can report.
HONOURED = "honoured"        # accepted, and the parameter had its documented effect
ACCEPTED = "accepted"        # accepted with a sound answer; the check does not look for an effect
IGNORED = "ignored"          # accepted, but no effect (or not the documented one)
REJECTED = "rejected"        # an HTTP error status
ERROR = "error"              # an answer came, but malformed or unusable by the SDK
UNANSWERED = "unanswered"    # no HTTP answer at all: nothing can be concluded
UNCLEAR = "unclear"          # the probe could not tell (e.g. the control did not set it up)
OBSERVED = (HONOURED, ACCEPTED, IGNORED, REJECTED, ERROR, UNANSWERED, UNCLEAR)


@dataclass(frozen=True)
class Finding:
    observed: str
    reason: str
    status: int | None = None
    # The rejection was of the model itself (unknown, retired), not of what the probe tried.
    about_model: bool = False
    # What the check saw beyond the requests' summaries, kept in the result's evidence (e.g. a
    # pass@k check's `samples`: each sample's calls and whether they were valid).
    evidence: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.observed not in OBSERVED:
            raise ValueError(f"unknown observed behaviour {self.observed!r}")
