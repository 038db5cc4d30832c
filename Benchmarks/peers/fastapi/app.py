"""The benchmark's FastAPI peer, written the obvious way.

Run (the harness does this): VENDO_WEBHOOK_SECRET=... \
    uvicorn app:app --host 127.0.0.1 --port PORT --workers 2 --no-access-log
"""

import hashlib
import hmac
import json
import os
import time

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import PlainTextResponse

SECRET = os.environ.get("VENDO_WEBHOOK_SECRET", "whsec_bench").encode()
MAX_AGE_SECONDS = 300

app = FastAPI()


@app.get("/")
async def root() -> PlainTextResponse:
    return PlainTextResponse("ok\n")


@app.post("/")
async def echo(request: Request) -> Response:
    return Response(content=await request.body(), media_type="application/octet-stream")


@app.post("/webhooks/vendo")
async def webhook(request: Request) -> dict:
    body = await request.body()
    signature = request.headers.get("vendo-signature", "").strip()
    timestamp = request.headers.get("vendo-timestamp", "").strip()
    try:
        seconds = float(timestamp)
    except ValueError:
        raise HTTPException(400, "missing or bad signature headers")
    if abs(time.time() - seconds) > MAX_AGE_SECONDS:
        raise HTTPException(400, "timestamp outside the allowed window")
    expected = hmac.new(SECRET, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if len(signature) != 64 or not hmac.compare_digest(expected, signature.lower()):
        raise HTTPException(400, "signature mismatch")
    try:
        event = json.loads(body)
    except ValueError:
        raise HTTPException(400, "body is not JSON")
    return {"ok": True, "id": event.get("id")}
