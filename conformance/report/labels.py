"""Honest labels for a run: where its results came from, and a warning when a run claims to be a
known service but was taken from somewhere else (a `--target heroku` run against a loopback server
must never look like Heroku's own results)."""
import ipaddress
from urllib.parse import urlsplit

# Known services and the host names their results must come from (a suffix matches the domain and
# every host under it). Heroku's inference hosts are us.inference.heroku.com, eu.inference.heroku.com.
KNOWN_SERVICES = {
    "heroku": ("heroku.com", "herokuapp.com"),
    "openai": ("openai.com",),
}
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def host_of(base_url: str | None) -> str | None:
    if not base_url:
        return None
    try:
        return urlsplit(base_url).hostname
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def on_domain(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def host_warning(target: str, mode: str, base_url: str | None) -> str | None:
    """Why a run's claim to be a known service is not backed by where it was taken from, or None."""
    domains = KNOWN_SERVICES.get(target.lower())
    if domains is None:
        return None
    host = host_of(base_url)
    if host is None:
        if mode == "replay":
            return None  # replayed cassettes carry their own provenance, shown beside each result
        return f"this run is labelled '{target}' but records no base URL, so nothing shows it was taken from {target}"
    if is_loopback(host):
        return (f"this run is labelled '{target}' but was taken from {host}, a loopback address: these are not "
                f"{target}'s results")
    if not on_domain(host, domains):
        return (f"this run is labelled '{target}' but was taken from {host}, which is not {target}'s domain "
                f"({' or '.join('*.' + d for d in domains)})")
    return None


def when(stamp: str | None) -> str:
    """An ISO timestamp as people read it: 2026-11-25 16:33 UTC."""
    if not stamp:
        return "?"
    text = str(stamp).replace("T", " ", 1)
    if text.endswith("+00:00"):
        text = text[:-6] + " UTC"
    return text


def recorded_when(run: dict, results: list[dict]) -> str:
    """When the observations were made: the cassettes' recording dates in replay, else the run's time."""
    if run.get("mode") == "replay":
        dates = sorted({((r.get("evidence") or {}).get("provenance") or {}).get("recorded_at") or "" for r in results}
                       - {""})
        if dates:
            first, last = dates[0], dates[-1]
            return (f"cassettes recorded {when(first)}" if first == last
                    else f"cassettes recorded {when(first)} to {when(last)}")
        return "replayed; the cassettes carry no recording date"
    return f"live, {when(run.get('started_at'))} to {when(run.get('finished_at'))}"


def provenance_warning(target: str, mode: str, results: list[dict]) -> str | None:
    """In replay, cassettes whose own provenance names another target than the run's label, or,
    for a known service, a host that is not the service's."""
    if mode != "replay":
        return None
    provenances = [(r.get("evidence") or {}).get("provenance") or {} for r in results]
    for host in sorted({str(p["host"]) for p in provenances if p.get("host")}):
        warning = host_warning(target, "live", f"http://{host}/")
        if warning:
            return warning.replace("was taken from", "was recorded from")
    recorded = {p.get("target") for p in provenances} - {None, ""}
    others = sorted(str(t) for t in recorded if t != target)
    if not others:
        return None
    return (f"this run is labelled '{target}' but replays cassettes recorded against {', '.join(others)}: "
            f"those results are not {target}'s")
