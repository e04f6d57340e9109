"""``pxocr batch``: a folder of 40 pages read by worker processes, killed with SIGKILL part-way
and started again; every output present once and byte-identical to ``pxocr read``'s, the
manifest complete, a corrupt file recorded as failed without stopping the others; what is
skipped on a rerun, exit codes; the same batch on a local Ray instance.

Pages come from the synthetic engine (320x320, seeds used nowhere else); one thread per worker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from pxocr.batch import BatchOptions, ReadOptions, local, run_batch
from pxocr.batch.inputs import discover
from pxocr.batch.manifest import NAME as MANIFEST
from pxocr.batch.manifest import load
from pxocr.cli import main
from pxocr.errors import ExitCode
from pxocr.synth import preset, render_page

SEED = 7_322_001
N_PNG = 36  # + a 3-page TIFF + a 1-page PDF = 40 pages
BAD = "broken.png"


def _page(i: int):
    return render_page(preset("clean", width=320, height=320), SEED, i)[0]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    """``in/``: 36 PNGs (half of them in ``in/sub/``), a 3-page TIFF, a PDF, a corrupt PNG and a
    text file that is no input."""
    root = tmp_path_factory.mktemp("batch") / "in"
    (root / "sub").mkdir(parents=True)
    for i in range(N_PNG):
        Image.fromarray(_page(i)).save(root / ("sub" if i % 2 else "") / f"p{i:02d}.png")
    tiff = [Image.fromarray(_page(N_PNG + k)) for k in range(3)]
    tiff[0].save(root / "sub" / "multi.tif", save_all=True, append_images=tiff[1:])
    Image.fromarray(_page(N_PNG + 3)).save(root / "scan.pdf", resolution=72.0)
    (root / BAD).write_bytes(b"not an image at all " * 10)
    (root / "notes.txt").write_text("not an input\n")
    return root


def _good_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".png", ".tif", ".pdf") and p.name != BAD)


@pytest.fixture(scope="module")
def reference(pages, tmp_path_factory) -> dict[str, bytes]:
    """What single-process ``pxocr read FILE... --format json --out DIR`` writes: stem -> bytes."""
    out = tmp_path_factory.mktemp("ref")
    assert main(["read", *map(str, _good_files(pages)), "--format", "json", "--out", str(out), "--threads", "1"]) == 0
    return {p.stem: p.read_bytes() for p in out.iterdir()}


def _batch_cmd(src: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pxocr", "batch", str(src), "--out", str(out), "--format", "json", "--quiet",
            *extra]


def _records(out: Path) -> list[dict]:
    """Every whole record of the manifest, in order (a line cut short by a kill is left out)."""
    path, out_ = out / MANIFEST, []
    for ln in path.read_text().splitlines() if path.exists() else []:
        try:
            out_.append(json.loads(ln))
        except ValueError:
            pass
    return out_


def _outputs(out: Path) -> dict[str, bytes]:
    """Every file under ``out`` except the manifest and the lock: relative path -> bytes."""
    return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and p.name not in (MANIFEST, ".pxocr-batch.lock")}


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc; empty elsewhere)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def resumed(pages, tmp_path_factory):
    """A batch over ``pages`` with two worker processes, its driver SIGKILLed once a few inputs
    are recorded (the workers must end by themselves), then run again to the end. Returns (out dir, records at the kill,
    outputs at the kill, the second run's exit code and stderr)."""
    out = tmp_path_factory.mktemp("batch-out")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(_batch_cmd(pages, out, "--jobs", "2"), start_new_session=True, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if sum(r["state"] == "done" for r in _records(out)) >= 6:
            break
        time.sleep(0.01)
    workers = _children(proc.pid)
    assert len(workers) >= 2 or not Path("/proc").is_dir()
    try:
        os.kill(proc.pid, signal.SIGKILL)  # the driver alone: its workers must notice and end
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, "the batch ended before it could be killed part-way"
        at_kill, outputs_at_kill = _records(out), _outputs(out)
        deadline = time.monotonic() + 30
        while workers and time.monotonic() < deadline:
            workers = [pid for pid in workers if _alive(pid)]
            time.sleep(0.1)
        assert not workers, f"worker processes {workers} outlived the killed driver"
    finally:
        proc.stderr.close()
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of it, if the test failed
        except ProcessLookupError:
            pass
    second = subprocess.run(_batch_cmd(pages, out, "--jobs", "2"), capture_output=True, text=True, timeout=300)
    return out, at_kill, outputs_at_kill, second.returncode, second.stderr


def test_killed_batch_resumes_to_outputs_identical_to_read(pages, reference, resumed):
    out, at_kill, outputs_at_kill, code, err = resumed
    good = _good_files(pages)
    n_inputs = len(good) + 1
    done_at_kill = [r for r in at_kill if r["state"] == "done"]
    assert 6 <= len(done_at_kill) < n_inputs, "killed part-way"
    # Nothing half-written at the kill: every output there is whole (equal to the reference)
    # or an atomic write's temporary file.
    for name, body in outputs_at_kill.items():
        if not Path(name).name.startswith("."):
            assert body == reference[Path(name).stem], name
    # After the second run: every output once, nothing else, each identical to `pxocr read`'s.
    outputs = _outputs(out)
    expect = {str(p.relative_to(pages).with_suffix(".json")) for p in good}
    assert set(outputs) == expect
    for name, body in outputs.items():
        assert body == reference[Path(name).stem], f"{name} differs from pxocr read's output"
    assert code == ExitCode.PARTIAL, err
    # The manifest: one record per input, last one wins; inputs done before the kill are not read again.
    last = load(str(out / MANIFEST))
    assert set(last) == {os.path.abspath(p) for p in good} | {os.path.abspath(pages / BAD)}
    failed_before = int(any(r["state"] == "failed" for r in at_kill))  # not read again without --retry-failed
    assert len(_records(out)) == len({r["input"] for r in at_kill}) + n_inputs - failed_before
    skipped = {r["input"] for r in last.values() if r["state"] == "skipped"}
    assert skipped == {r["input"] for r in done_at_kill}
    failed = "1 failed (1 in an earlier run; --retry-failed reads them again)" if failed_before else "1 failed"
    assert f"{len(good) - len(skipped)} done, {failed}, {len(skipped)} skipped" in err
    for p in good:
        r = last[os.path.abspath(p)]
        assert (r["state"], r["reason"]) in (("done", ""), ("skipped", "read before: same input, options and outputs"))
        assert r["outputs"] == [str(p.relative_to(pages).with_suffix(".json"))]
        assert r["pages"] == (3 if p.suffix == ".tif" else 1)
        assert len(r["sha256"]) == 64 and r["options"]["format"] == "json"
    bad = last[os.path.abspath(pages / BAD)]
    assert bad["state"] == "failed" and bad["outputs"] == []
    assert BAD in bad["reason"] and "not a supported image" in bad["reason"]
    assert failed_before or f"pxocr: error: {pages / BAD}: not a supported image" in err
    assert "Traceback" not in err


def test_rerun_skips_done_reads_changed_and_retries_failed_on_request(tmp_path, capsys):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for i in range(2):
        Image.fromarray(_page(100 + i)).save(src / f"a{i}.png")

    def batch(*extra: str) -> tuple[int, str]:
        code = main(["batch", str(src), "--out", str(out), "--jobs", "1", "--quiet", *extra])
        return code, capsys.readouterr().err

    code, err = batch()
    assert code == 0 and "2 done, 0 failed, 0 skipped; 2 pages" in err
    code, err = batch()
    assert code == 0 and "0 done, 0 failed, 2 skipped" in err
    Image.fromarray(_page(102)).save(src / "a1.png")  # changed input: read again
    code, err = batch()
    assert code == 0 and "1 done, 0 failed, 1 skipped" in err
    (out / "a0.txt").unlink()  # a missing output: read again
    assert "1 done, 0 failed, 1 skipped" in batch()[1]
    code, err = batch("--format", "hocr")  # other options: read again
    assert code == 0 and "2 done" in err and (out / "a0.hocr").is_file()
    (src / "c.png").write_bytes(b"")
    code, err = batch()
    assert code == ExitCode.PARTIAL and "c.png: file is empty" in err
    n = len(_records(out))
    code, err = batch()  # a failure of the same input is not read again ...
    assert code == ExitCode.PARTIAL and "1 failed (1 in an earlier run" in err
    assert len(_records(out)) == n and "error" not in err
    code, err = batch("--retry-failed")  # ... unless asked
    assert code == ExitCode.PARTIAL and "0 done, 1 failed, 2 skipped" in err and "c.png: file is empty" in err
    assert not list(out.glob(".*.tmp"))


@pytest.mark.parametrize("args,code,message", [
    (["{src}/c.png"], ExitCode.INPUT, "c.png: file is empty"),  # everything failed
    (["{src}/nope.png"], ExitCode.INPUT, "nope.png: no such file or folder"),
    (["{src}/*.tif"], ExitCode.INPUT, "*.tif: no image or PDF files found"),
    (["{src}", "--pages", "3-1"], ExitCode.USAGE, "range 3-1 runs backwards"),
    (["{src}", "--model", "{src}/none.onnx"], ExitCode.MODEL, "none.onnx: model file not found"),
])
def test_errors_are_one_line_with_exit_codes(tmp_path, capsys, args, code, message):
    src = tmp_path / "in"
    src.mkdir()
    (src / "c.png").write_bytes(b"")
    argv = [a.format(src=src) for a in args]
    assert main(["batch", *argv, "--out", str(tmp_path / "out"), "--jobs", "1", "--quiet"]) == code
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert any(message in ln for ln in err), err
    assert all(ln.startswith("pxocr") for ln in err), err


def test_discover_folders_files_globs_once_and_not_the_output_folder(tmp_path):
    (tmp_path / "in" / "deep" / ".hidden").mkdir(parents=True)
    for name in ("a.PNG", "deep/b.tif", "deep/.hidden/c.png", "deep/x.txt", "d.pdf"):
        (tmp_path / "in" / name).write_bytes(b"x")
    (tmp_path / "in" / "out").mkdir()
    (tmp_path / "in" / "out" / "e.png").write_bytes(b"x")
    found = discover([str(tmp_path / "in"), str(tmp_path / "in" / "a.PNG"), str(tmp_path / "in" / "*.pdf")],
                     exclude=str(tmp_path / "in" / "out"))
    assert [(Path(i.path).relative_to(tmp_path).as_posix(), i.stem) for i in found] == [
        ("in/a.PNG", "a"), ("in/d.pdf", "d"), ("in/deep/b.tif", "deep/b")]


def test_ray_batch_equals_local_batch(pages, resumed, tmp_path):
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'pxocr[batch]')")
    local_out = resumed[0]
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        summary = run_batch([str(pages)], str(tmp_path), BatchOptions(ReadOptions(format="json"), jobs=2,
                                                                      ray="auto", progress=False))
    finally:
        ray.shutdown()
    assert (summary.done, summary.failed, summary.skipped, summary.pages) == (len(_good_files(pages)), 1, 0, 40)
    assert summary.exit_code == ExitCode.PARTIAL
    ray_outputs, local_outputs = _outputs(tmp_path), _outputs(local_out)
    assert sorted(ray_outputs) == sorted(local_outputs)
    for name, body in ray_outputs.items():
        assert body == local_outputs[name], f"{name}: the Ray batch's output differs from the local batch's"
    ray_last, local_last = load(str(tmp_path / MANIFEST)), load(str(local_out / MANIFEST))
    assert set(ray_last) == set(local_last)
    for key, r in ray_last.items():
        lr = local_last[key]
        assert r["state"] == ("failed" if lr["state"] == "failed" else "done")
        for k in ("reason", "outputs", "sha256", "pages", "options") if r["state"] == "failed" else \
                ("outputs", "sha256", "pages", "options"):
            assert r[k] == lr[k], (key, k)


def test_a_worker_killed_fails_only_its_inputs_in_flight(pages, tmp_path):
    """SIGKILL one worker process (as an out-of-memory killer would): the inputs in flight then
    are recorded as failed with the reason, a fresh pool reads the rest, and --retry-failed
    reads the failed ones again."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for p in sorted(pages.glob("p*.png"))[:16]:
        (src / p.name).write_bytes(p.read_bytes())
    proc = subprocess.Popen(_batch_cmd(src, out, "--jobs", "2"), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(_records(out)) < 2 and proc.poll() is None:
            time.sleep(0.01)
        victim = [pid for pid in _children(proc.pid) if "resource_tracker" not in Path(f"/proc/{pid}/cmdline")
                  .read_bytes().decode(errors="replace")][:1]
        assert victim, "no worker process found"
        os.kill(victim[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=300)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    last = load(str(out / MANIFEST))
    assert len(last) == 16
    failed = [r for r in last.values() if r["state"] == "failed"]
    assert failed and all("a worker process died while this input was in flight" in r["reason"] for r in failed)
    assert proc.returncode == ExitCode.PARTIAL, err
    assert "Traceback" not in err
    code = subprocess.run(_batch_cmd(src, out, "--jobs", "2", "--retry-failed"), capture_output=True).returncode
    assert code == ExitCode.OK
    assert all(r["state"] in ("done", "skipped") for r in load(str(out / MANIFEST)).values())
    assert sorted(p.name for p in out.glob("*.json")) == sorted(p.stem + ".json" for p in src.iterdir())


class _PoolThatBreaks:
    """A stand-in for ProcessPoolExecutor: the first pool breaks at its third submission (a worker
    died between two submissions); later pools read every input at once."""

    made = 0

    def __init__(self, **_kw) -> None:
        type(self).made += 1
        self.breaks = type(self).made == 1
        self.submitted = 0

    def submit(self, fn, path):
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        self.submitted += 1
        if self.breaks and self.submitted == 3:
            raise BrokenProcessPool("a child process terminated abruptly")
        fut: Future = Future()
        if self.breaks:
            fut.set_exception(BrokenProcessPool("a child process terminated abruptly"))
        else:
            fut.set_result(local.Outcome(path, True, [], 1, 0.0))
        return fut

    def shutdown(self, **_kw) -> None:
        pass


def test_a_pool_that_breaks_between_submissions_loses_no_input(monkeypatch):
    """Every input comes out exactly once: those submitted to the broken pool as failed, the one
    whose submission found it broken and the rest read by the next pool."""
    monkeypatch.setattr(local, "ProcessPoolExecutor", _PoolThatBreaks)
    paths = [f"in{i}.png" for i in range(8)]
    outs = list(local.run_pool(paths, ReadOptions(), jobs=2))
    assert sorted(o.path for o in outs) == paths
    assert sorted(o.path for o in outs if not o.ok) == ["in0.png", "in1.png"]
    assert all("a worker process died" in o.reason for o in outs if not o.ok)
