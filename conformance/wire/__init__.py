"""The wire: everything between a planned request and the Exchange a check reads.

- `urls`: base URLs and the credentials that may ride in them;
- `cassettes`: where recordings live, how they are read, and how a request finds its answer;
- `answers`: an HTTP answer (status, headers, bytes) read into an Exchange, the same for every client;
- `replay`: the recordings answered in-process, through the Python SDK's own HTTP transport;
- `loopback`: the recordings (or the live target) served over loopback, for clients in other processes;
- `recording`: recording with vcrpy, secrets scrubbed;
- `sender`: the one place that sends, whatever the client: retries, pacing, a silent server, scrubbing.

Nothing here judges: checks read the Exchange.
"""
