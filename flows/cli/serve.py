"""`enforce serve`: the HTTP API under uvicorn (`api.main:app`, named by string: flows never import api)."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="端口")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="工作进程数")] = 1,
    log_level: Annotated[str, typer.Option(help="日志级别")] = "info",
) -> None:
    """启动 HTTP 接口（FastAPI + uvicorn）；接口文档见 /docs，OpenAPI 见 /openapi.json。"""
    import uvicorn

    typer.echo(f"接口地址：http://{host}:{port}/api/v1    接口文档：http://{host}:{port}/docs")
    # proxy_headers off: the app itself believes X-Forwarded-For/-Proto, and only from the addresses in
    # ENFORCE_TRUSTED_PROXIES (api.security.ProxyHeaders); uvicorn's own handling would trust 127.0.0.1
    uvicorn.run("api.main:app", host=host, port=port, workers=workers, log_level=log_level,
                proxy_headers=False, forwarded_allow_ips="")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
