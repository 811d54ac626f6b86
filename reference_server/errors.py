"""What every answer carries and what an error may show: a request id on each answer (Heroku's
"log errors with request IDs"), and the break switches that spoil error answers."""
import hashlib
import json

from starlette.responses import JSONResponse, Response

# A Python traceback with a path on the server's disk: what a careless server pastes into an error.
TRACEBACK = ('Traceback (most recent call last):\n  File "/app/reference_server/app.py", line 150, in answer\n'
             "    body = json.loads(await request.body())\njson.decoder.JSONDecodeError: Expecting value")


def with_request_id(response: Response, path: str, raw: bytes, breaks: frozenset[str]) -> Response:
    """Every answer, plain, streamed or an error, gets an id from what was asked (the same request, the
    same id, so recordings stay stable); break switch `request-id` sends none."""
    if "request-id" in breaks:
        if "x-request-id" in response.headers:
            del response.headers["x-request-id"]
        return response
    if "x-request-id" not in response.headers:
        response.headers["x-request-id"] = f"req-{hashlib.sha256(path.encode() + raw).hexdigest()[:24]}"
    return response


def spoiled_error(response: Response, body: object, breaks: frozenset[str]) -> Response:
    """Break switches `error-traceback` (a body that is not JSON is refused with a traceback in the message)
    and `error-flat` (a streamed request it refuses gets a 500 {"error": "Internal Server Error"})."""
    if response.status_code < 400 or response.status_code == 401:
        return response
    error = json.loads(response.body).get("error")
    if "error-traceback" in breaks and body is None and isinstance(error, dict):
        error = {**error, "message": f"{error['message']}\n{TRACEBACK}"}
        return JSONResponse({"error": error}, status_code=response.status_code)
    if "error-flat" in breaks and isinstance(body, dict) and body.get("stream") is True:
        return JSONResponse({"error": "Internal Server Error"}, status_code=500)
    return response
