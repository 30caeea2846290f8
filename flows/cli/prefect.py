"""`enforce prefect up`: a local Prefect server, the `enforce-process` work pool, the deployments
of prefect.yaml and a worker — the scheduler of a single-machine installation.

Production runs the same pieces separately (README "Production"): one `prefect server start`
backed by PostgreSQL, `prefect deploy --all` from a checkout, and as many
`prefect worker start --pool enforce-process` processes as needed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import typer

ROOT = Path(__file__).resolve().parents[2]
POOL = "enforce-process"
prefect_app = typer.Typer(no_args_is_help=True, help="Prefect 调度（巡查计划、期限巡检、半月通报）")


def prefect_env(port: int) -> dict[str, str]:
    from cases.settings import get_settings

    home = get_settings().resolved_home
    env = dict(os.environ)
    env.setdefault("PREFECT_HOME", str(home / "prefect"))
    env.update({
        "PREFECT_API_URL": env.get("PREFECT_API_URL") or f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
        "ENFORCE_HOME": str(home), "ENFORCE_PROJECT_DIR": str(ROOT),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    })
    return env


def _prefect(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("prefect")), *args]


def _spawn(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    # a fresh session with default SIGINT: a worker started from a script otherwise ignores SIGTERM
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_healthy(api_url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=3) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise TimeoutError(f"Prefect 服务器在 {timeout:.0f} 秒内未就绪：{api_url}")


def deploy(env: dict[str, str]) -> None:
    subprocess.run(_prefect("work-pool", "create", POOL, "--type", "process", "--overwrite"), env=env, cwd=ROOT,
                   check=True, capture_output=True)
    subprocess.run(_prefect("--no-prompt", "deploy", "--all"), env=env, cwd=ROOT, check=True, capture_output=True)


@prefect_app.command("up")
def up(
    port: int = typer.Option(4200, help="Prefect 服务器端口"),
    worker: bool = typer.Option(True, "--worker/--no-worker", help="同时启动一个进程型 worker"),
    detach: bool = typer.Option(False, "--detach", help="启动后返回，进程在后台继续运行"),
) -> None:
    """启动本地 Prefect 服务器和 worker，并部署 prefect.yaml 中的全部部署。"""
    env = prefect_env(port)
    logs = Path(env["PREFECT_HOME"]) / "logs"
    procs = [_spawn(_prefect("server", "start", "--host", "127.0.0.1", "--port", str(port)), env,
                    logs / "server.log")]
    try:
        wait_healthy(env["PREFECT_API_URL"])
        deploy(env)
        if worker:
            procs.append(_spawn(_prefect("worker", "start", "--pool", POOL), env, logs / "worker.log"))
    except (TimeoutError, subprocess.CalledProcessError) as exc:
        _stop(procs)
        detail = exc.stderr.decode(errors="replace")[-2000:] if getattr(exc, "stderr", None) else str(exc)
        typer.echo(f"启动失败：{detail}", err=True)
        raise typer.Exit(1) from exc
    ui = env["PREFECT_API_URL"].removesuffix("/api")
    typer.echo(f"Prefect 已启动：界面 {ui}  部署：patrol-planning, deadline-sweep, fortnightly-report, "
               f"joint-enforcement, intake-batch  日志：{logs}")
    (Path(env["PREFECT_HOME"]) / "pids").write_text(" ".join(str(p.pid) for p in procs))
    if detach:
        return
    typer.echo("按 Ctrl-C 停止")
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        _stop(procs)


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


@prefect_app.command("down")
def down() -> None:
    """停止 `enforce prefect up --detach` 启动的进程。"""
    pids = Path(prefect_env(4200)["PREFECT_HOME"]) / "pids"
    if not pids.exists():
        typer.echo("没有正在运行的 Prefect 进程")
        return
    for pid in pids.read_text().split():
        try:
            os.killpg(int(pid), signal.SIGTERM)
        except ProcessLookupError:
            pass
    pids.unlink()
    typer.echo("已停止")


def register(app: typer.Typer) -> None:
    app.add_typer(prefect_app, name="prefect")
