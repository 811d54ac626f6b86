"""llama.cpp's llama-server as a conformance target: build it, make a tiny model for it, serve it.

    python -m peer.llama_cpp build                 # once: ~5 min on 2 cores, then cached; prints the binary
    python -m peer.llama_cpp model                 # the tiny deterministic GGUF; prints its path
    python -m peer.llama_cpp serve --port 8089     # serves on loopback until Ctrl-C or SIGTERM
    python -m peer.llama_cpp serve --port 8089 --detach [--api-key-env VAR]   # returns once /health answers
    python -m peer.llama_cpp stop --port 8089      # stops the server `serve --detach` started on that port

The llama.cpp source comes from the PyPI sdist of llama-cpp-python (vendor/llama.cpp): PyPI is the only
registry the suite relies on, and the sdist pins one llama.cpp revision. Nothing of it is committed.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path

LLAMA_CPP_PYTHON_VERSION = "0.3.36"
VENDOR = "vendor/llama.cpp"
MODEL_ALIAS = "tiny"
# The suite's longest prompts are a few hundred tokens; four thousand leaves room for the
# context-overflow probes to be answered by the server's own limit check, not by memory.
CONTEXT_TOKENS = 4096

# Release, portable (no -march=native), no HTTPS (no OpenSSL, no curl), no web UI download.
CMAKE_OPTIONS = [
    "-DCMAKE_BUILD_TYPE=Release",
    "-DGGML_NATIVE=OFF",
    "-DLLAMA_OPENSSL=OFF",
    "-DLLAMA_CURL=OFF",
    "-DLLAMA_BUILD_UI=OFF",
    "-DLLAMA_USE_PREBUILT_UI=OFF",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DBUILD_SHARED_LIBS=OFF",
]


def cache_dir() -> Path:
    """Where the sdist, the build and the binary live between runs (one folder per pinned version)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "heroku-conformance" / "llama.cpp" / LLAMA_CPP_PYTHON_VERSION


def binary_path() -> Path:
    return cache_dir() / "bin" / "llama-server"


def sdist_path() -> Path:
    """The llama-cpp-python sdist, downloaded once with pip from PyPI."""
    folder = cache_dir() / "sdist"
    found = sorted(folder.glob(f"llama_cpp_python-{LLAMA_CPP_PYTHON_VERSION}.tar.gz"))
    if found:
        return found[0]
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:", "--no-deps",
                    f"llama-cpp-python=={LLAMA_CPP_PYTHON_VERSION}", "-d", str(folder)], check=True)
    return next(folder.glob(f"llama_cpp_python-{LLAMA_CPP_PYTHON_VERSION}.tar.gz"))


def vendor_source() -> Path:
    """vendor/llama.cpp from the sdist, extracted once."""
    target = cache_dir() / "src"
    done = target / ".extracted"
    if done.exists():
        return target / VENDOR
    prefix = f"llama_cpp_python-{LLAMA_CPP_PYTHON_VERSION}/"
    with tarfile.open(sdist_path()) as archive:
        members = []
        for member in archive.getmembers():
            if member.name.startswith(prefix + VENDOR + "/"):
                member.name = member.name[len(prefix):]
                members.append(member)
        archive.extractall(target, members=members, filter="data")
    done.touch()
    return target / VENDOR


def build() -> Path:
    """Build only the llama-server target; a second run returns the cached binary at once."""
    binary = binary_path()
    if binary.exists():
        return binary
    source = vendor_source()
    build_dir = cache_dir() / "build"
    subprocess.run(["cmake", "-S", str(source), "-B", str(build_dir), *CMAKE_OPTIONS], check=True)
    subprocess.run(["cmake", "--build", str(build_dir), "--target", "llama-server", "-j", "2"], check=True)
    binary.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(build_dir / "bin" / "llama-server", binary)
    return binary


def sdist_member(path: str) -> bytes:
    """One file of vendor/llama.cpp, read from the sdist (the model needs a vocabulary and a template)."""
    with tarfile.open(sdist_path()) as archive:
        return archive.extractfile(f"llama_cpp_python-{LLAMA_CPP_PYTHON_VERSION}/{VENDOR}/{path}").read()


def model_path() -> Path:
    return cache_dir() / "model" / "tiny.gguf"


def write_model(vocab_file: Path, template: str, out: Path) -> Path:
    """The tiny model: the vocabulary's tokenizer, the given chat template, hand-set weights."""
    import gguf

    try:
        from . import tiny_model
    except ImportError:  # run as a script, python peer/llama_cpp.py: peer/ is on sys.path
        import tiny_model

    vocab = gguf.GGUFReader(vocab_file)
    tokens = vocab.fields["tokenizer.ggml.tokens"].contents()
    plan = tiny_model.design(tokens)
    weights = tiny_model.tensors(plan, len(tokens))
    writer = gguf.GGUFWriter(out, "llama")
    writer.add_name("tiny")
    writer.add_context_length(CONTEXT_TOKENS)
    writer.add_embedding_length(tiny_model.EMBEDDING)
    writer.add_feed_forward_length(tiny_model.EMBEDDING)
    writer.add_block_count(1)
    writer.add_head_count(1)
    writer.add_head_count_kv(1)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    for key, field in vocab.fields.items():
        if key.startswith("tokenizer.") and key not in ("tokenizer.chat_template", "tokenizer.ggml.eos_token_id"):
            sub_type = field.types[1] if field.types[0] == gguf.GGUFValueType.ARRAY else None
            writer.add_key_value(key, field.contents(), field.types[0], sub_type)
    # End of turn is the template's <|im_end|>, as in Qwen's instruct models.
    writer.add_eos_token_id(tokens.index(tiny_model.END_OF_TURN))
    writer.add_chat_template(template)
    for name, array in weights.items():
        writer.add_tensor(name, array)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


# Qwen2's vocabulary, with Qwen2.5-Instruct's template: it declares tools (Hermes-style <tool_call>),
# so llama-server's --jinja mode offers tool calling with its own grammar.
VOCAB = "models/ggml-vocab-qwen2.gguf"
TEMPLATE = "models/templates/Qwen-Qwen2.5-7B-Instruct.jinja"


def model() -> Path:
    """Write the tiny model (the same bytes every time) and return its path."""
    out = model_path()
    vocab_file, template_file = out.parent / "vocab.gguf", out.parent / "template.jinja"
    out.parent.mkdir(parents=True, exist_ok=True)
    for file, member in ((vocab_file, VOCAB), (template_file, TEMPLATE)):
        if not file.exists():
            file.write_bytes(sdist_member(member))
    return write_model(vocab_file, template_file.read_text(), out)


def pid_file(port: int) -> Path:
    return cache_dir() / "run" / f"llama-server-{port}.pid"


def health(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def server_command(port: int, host: str, api_key: str | None) -> list[str]:
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"llama-server is only started on loopback, not on {host}")
    command = [str(build()), "--model", str(model()), "--alias", MODEL_ALIAS, "--host", host, "--port", str(port),
               "--threads", "1", "--ctx-size", str(CONTEXT_TOKENS), "--parallel", "1", "--jinja", "--no-webui"]
    return command + (["--api-key", api_key] if api_key else [])


def start(port: int, host: str = "127.0.0.1", api_key: str | None = None, timeout: float = 120.0,
          detach: bool = False) -> subprocess.Popen:
    """Start llama-server with the tiny model as `tiny` and return once /health answers.
    Detached, it outlives this process (stop it with `stop`); its log is beside the pid file."""
    command = server_command(port, host, api_key)
    log = pid_file(port).with_suffix(".log")
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=detach)
    if detach:
        pid_file(port).write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"llama-server exited with {process.returncode}; see {log}")
        if health(f"http://{host}:{port}/health"):
            return process
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"llama-server did not answer /health within {timeout:.0f} s; see {log}")


def serve_in_foreground(port: int, host: str, api_key: str | None) -> int:
    """Serve until SIGTERM or Ctrl-C, then stop llama-server: a harness can own this process."""
    process = start(port, host, api_key)
    print(f"llama-server serves '{MODEL_ALIAS}' at http://{host}:{port}/v1", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()


def stop(port: int) -> bool:
    """Stop the server `serve` started on this port (by its recorded pid); False when none was running."""
    recorded = pid_file(port)
    if not recorded.exists():
        return False
    pid = int(recorded.read_text())
    recorded.unlink()
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m peer.llama_cpp", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="build llama-server (cached) and print its path")
    commands.add_parser("model", help="write the tiny deterministic model and print its path")
    for name, text in (("serve", "start llama-server on loopback; with --detach, return once /health answers"),
                       ("stop", "stop the server `serve --detach` started on that port")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--port", type=int, required=True)
        if name == "serve":
            command.add_argument("--host", default="127.0.0.1")
            command.add_argument("--api-key-env", help="environment variable holding the key the server requires "
                                 "(default: none required, any key accepted)")
            command.add_argument("--detach", action="store_true",
                                 help="return once it answers, leaving it running (then use `stop`)")
    args = parser.parse_args(argv)
    if args.command == "build":
        print(build())
    elif args.command == "model":
        print(model())
    elif args.command == "serve":
        api_key = os.environ.get(args.api_key_env) if args.api_key_env else None
        if args.api_key_env and not api_key:
            raise SystemExit(f"${args.api_key_env} is empty: it must hold the key the server is to require")
        if not args.detach:
            return serve_in_foreground(args.port, args.host, api_key)
        process = start(args.port, args.host, api_key, detach=True)
        print(f"llama-server (pid {process.pid}) serves '{MODEL_ALIAS}' at http://{args.host}:{args.port}/v1; "
              f"stop it with: python -m peer.llama_cpp stop --port {args.port}")
    elif args.command == "stop":
        print("stopped" if stop(args.port) else f"no server started on port {args.port}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
