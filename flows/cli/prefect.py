"""`enforce prefect up/down/deploy`.

* `up` — a single-machine installation: a local Prefect server (SQLite under
  ENFORCE_HOME/prefect), the `enforce-process` pool, the deployments of prefect.yaml running this
  checkout, the automations, and one worker. It refuses a busy port, a `PREFECT_API_URL` that
  points at another server, and a second `up` while the first is running; it records what it
  started (pid and command line) so that `down` stops exactly that.
* `deploy` — production (README "Production"): against the server `PREFECT_API_URL` names, from a
  clean checkout: the database credentials as a Secret block, the pool and queues (created only
  when missing), the deployments with their code pulled by `git_clone` at this commit (the
  deployment version is that commit), and the automations.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import typer

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = ("patrol-planning", "patrol-county", "deadline-sweep", "fortnightly-report", "joint-enforcement",
               "intake-batch")
prefect_app = typer.Typer(no_args_is_help=True, help="Prefect 调度（巡查计划、期限巡检、半月通报、联合执法、批量导入）")


def _home() -> Path:
    from cases.settings import get_settings

    return get_settings().resolved_home


def prefect_home() -> Path:
    return Path(os.environ.get("PREFECT_HOME") or _home() / "prefect")


def local_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/api"


def prefect_env(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "PREFECT_HOME": str(prefect_home()), "PREFECT_API_URL": local_url(port),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
        "ENFORCE_HOME": str(_home()), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
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


def healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


def wait_healthy(api_url: str, timeout: float = 180, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise TimeoutError(f"Prefect 服务器进程已退出（退出码 {proc.returncode}），见日志")
        if healthy(api_url):
            return
        time.sleep(0.5)
    raise TimeoutError(f"Prefect 服务器在 {timeout:.0f} 秒内未就绪：{api_url}")


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# --- what `up` started -----------------------------------------------------------------------------

def state_file() -> Path:
    return prefect_home() / "enforce-up.json"


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def _ours(entry: dict) -> bool:
    """The process is still the one we started (same pid and command line), not a recycled pid."""
    cmd = entry["cmd"]
    return _cmdline(entry["pid"])[-len(cmd):] == cmd  # a script's cmdline starts with its interpreter


def running_state() -> dict | None:
    path = state_file()
    if not path.exists():
        return None
    state = json.loads(path.read_text())
    if not any(_ours(p) for p in state["processes"]):
        path.unlink()
        return None
    return state


def _record(port: int, procs: list[tuple[str, subprocess.Popen]]) -> None:
    state = {"port": port, "api_url": local_url(port),
             "processes": [{"role": role, "pid": p.pid, "cmd": list(p.args)} for role, p in procs]}
    state_file().parent.mkdir(parents=True, exist_ok=True)
    state_file().write_text(json.dumps(state, ensure_ascii=False, indent=1))


def _stop_group(pid: int, timeout: float = 20) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        try:  # reap it when it is our child
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.2)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _stop(procs: list[tuple[str, subprocess.Popen]]) -> None:
    for _, p in reversed(procs):  # the worker first, then the server
        if p.poll() is None:
            _stop_group(p.pid)
        p.wait(5)


# --- up / down ---------------------------------------------------------------------------------------

def refuse(message: str, code: int = 2) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


@prefect_app.command("up")
def up(
    port: int = typer.Option(4200, help="Prefect 服务器端口"),
    worker: bool = typer.Option(True, "--worker/--no-worker", help="同时启动一个进程型 worker"),
    limit: int = typer.Option(2, "--limit", min=1, help="worker 同时执行的运行数"),
    detach: bool = typer.Option(False, "--detach", help="启动后返回，进程在后台继续运行"),
) -> None:
    """启动本地 Prefect 服务器和 worker，部署 prefect.yaml 中的全部部署及告警自动化。"""
    configured = os.environ.get("PREFECT_API_URL", "").rstrip("/")
    if configured and configured != local_url(port):
        refuse(f"PREFECT_API_URL 已指向 {configured}：本命令只启动本机服务器，不会部署到其他服务器。"
               f"生产环境请用 enforce prefect deploy，或先 unset PREFECT_API_URL")
    if (state := running_state()) is not None:
        refuse(f"已有 enforce prefect up 启动的进程在运行（{state['api_url']}）；先运行 enforce prefect down")
    if not port_free(port):
        refuse(f"端口 {port} 已被占用（可能是另一个 Prefect 服务器）；请用 --port 换一个端口")
    env = prefect_env(port)
    logs = prefect_home() / "logs"
    procs = [("server", _spawn(_prefect("server", "start", "--host", "127.0.0.1", "--port", str(port)), env,
                               logs / "server.log"))]
    _record(port, procs)
    try:
        wait_healthy(env["PREFECT_API_URL"], proc=procs[0][1])
        enforce = str(Path(sys.executable).with_name("enforce"))
        subprocess.run([enforce, "prefect", "deploy", "--local"], env=env, cwd=ROOT, check=True, capture_output=True)
        if worker:
            procs.append(("worker", _spawn(_prefect("worker", "start", "--pool", "enforce-process",
                                                    "--limit", str(limit)), env, logs / "worker.log")))
            _record(port, procs)
    except (TimeoutError, subprocess.CalledProcessError) as exc:
        _stop(procs)
        state_file().unlink(missing_ok=True)
        failed = isinstance(exc, subprocess.CalledProcessError)
        detail = (exc.stderr or b"").decode(errors="replace")[-3000:] if failed else str(exc)
        refuse(f"启动失败：{detail}  日志：{logs}", 1)
    typer.echo(f"Prefect 已启动：界面 {env['PREFECT_API_URL'].removesuffix('/api')}  "
               f"部署：{', '.join(DEPLOYMENTS)}  日志：{logs}")
    if detach:
        return
    typer.echo("按 Ctrl-C 停止")
    try:
        while all(p.poll() is None for _, p in procs):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        _stop(procs)
        state_file().unlink(missing_ok=True)


@prefect_app.command("down")
def down() -> None:
    """停止 `enforce prefect up --detach` 启动的进程（只停止它记录的进程）。"""
    path = state_file()
    if not path.exists():
        typer.echo("没有 enforce prefect up 启动的进程")
        return
    state = json.loads(path.read_text())
    stopped = []
    for entry in reversed(state["processes"]):
        if _ours(entry):
            _stop_group(entry["pid"])
            stopped.append(f"{entry['role']}（pid {entry['pid']}）")
    path.unlink()
    typer.echo(f"已停止：{'、'.join(stopped)}" if stopped else "记录的进程均已退出")


# --- deploy -------------------------------------------------------------------------------------------

def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def local_prefect_file(checkout: Path, version: str) -> Path:
    """prefect.yaml with the code taken from this checkout in place (one machine; `up`)."""
    import yaml

    spec = yaml.safe_load((checkout / "prefect.yaml").read_text(encoding="utf-8"))
    spec["pull"] = [{"prefect.deployments.steps.set_working_directory": {"directory": str(checkout)}}]
    for deployment in spec["deployments"]:
        deployment["version"] = version
    out = prefect_home() / "prefect.local.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


@prefect_app.command("deploy")
def deploy_cmd(
    local: bool = typer.Option(False, "--local", help="（enforce prefect up 使用）代码取自本目录，不要求提交"),
) -> None:
    """在 PREFECT_API_URL 指向的服务器上部署：数据库凭据、工作池和队列、五个部署（代码按当前提交拉取）、告警自动化。"""
    from prefect import get_client

    from flows import platform
    from flows.runtime import DatabaseNotReady, require_database

    api = os.environ.get("PREFECT_API_URL", "")
    if not api:
        refuse("未设置 PREFECT_API_URL（Prefect 服务器地址，例如 http://prefect-host:4200/api）")
    if not healthy(api):
        refuse(f"Prefect 服务器无响应：{api}")
    checkout = ROOT if local else Path.cwd()
    if not (checkout / "prefect.yaml").exists():
        refuse(f"{checkout} 下没有 prefect.yaml：请在项目检出目录中运行")
    try:
        commit = _git("rev-parse", "HEAD", cwd=checkout)
        dirty = bool(_git("status", "--porcelain", "--untracked-files=no", cwd=checkout))
        repository = os.environ.get("ENFORCE_GIT_REPOSITORY") or _git("config", "--get", "remote.origin.url",
                                                                       cwd=checkout)
    except subprocess.CalledProcessError:
        if not local:
            refuse("无法读取 git 提交或远程仓库地址：生产部署须在 git 检出目录中运行，并设置 remote.origin.url "
                   "或 ENFORCE_GIT_REPOSITORY")
        commit, dirty, repository = "unknown", True, ""
    if dirty and not local:
        refuse("检出目录有未提交的修改：部署的版本必须等于运行的代码，请先提交")
    database_url = os.environ.get("ENFORCE_DATABASE_URL") or None
    try:
        require_database(database_url)
    except DatabaseNotReady as exc:
        refuse(f"{exc}（部署前须先运行 enforce db upgrade）")

    env = platform.run_environment(database_secret=bool(database_url))
    with get_client(sync_client=True) as client:
        secret = platform.store_database_secret(client, database_url) if database_url else None
        pool = platform.ensure_pool(client, env)
        alert_id = platform.ensure_alert_block(os.environ.get("ENFORCE_ALERT_WEBHOOK_URL"))
        names = platform.apply_automations(client, alert_id)
    version = f"{commit}{'-dirty' if dirty else ''}"
    deploy_env = {**os.environ, "ENFORCE_GIT_COMMIT": commit, "ENFORCE_GIT_REPOSITORY": repository}
    cmd = _prefect("--no-prompt", "deploy", "--all")
    if local:
        cmd += ["--prefect-file", str(local_prefect_file(checkout, f"local-{version}"))]
    done = subprocess.run(cmd, env=deploy_env, cwd=checkout, capture_output=True, text=True)
    if done.returncode != 0:
        refuse(f"prefect deploy 失败：{(done.stdout + done.stderr)[-3000:]}", 1)
    if secret == "differs":
        typer.echo(f"注意：Secret 块 {platform.DATABASE_SECRET} 已存在且与 ENFORCE_DATABASE_URL 不同，未覆盖", err=True)
    typer.echo(f"已部署 {len(DEPLOYMENTS)} 个部署（版本 {version}）；新建：{'、'.join(pool.created) or '无'}；"
               f"保留未改：{'、'.join(pool.kept) or '无'}；自动化：{'、'.join(names)}"
               + ("" if alert_id else "；未配置 ENFORCE_ALERT_WEBHOOK_URL，失败/崩溃/延迟通知未启用"))


def register(app: typer.Typer) -> None:
    app.add_typer(prefect_app, name="prefect")
