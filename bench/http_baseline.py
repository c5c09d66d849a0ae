"""The machine's HTTP limit for the ingest benchmark: the same server stack answering a request
that only reads the same body."""

from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/v1/accounts/{account_id}/usage", status_code=202)
async def read_only(account_id: str, request: Request) -> dict:
    body = await request.body()
    return {"accepted": 0, "duplicates": 0, "bytes": len(body)}
