import pytest

from pxocr import __version__
from pxocr.cli import build_parser, main

COMMANDS = ["read", "find", "serve", "synth", "show", "eval", "train", "export", "batch", "mrz"]


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_subcommand_has_help(cmd, capsys):
    with pytest.raises(SystemExit) as e:
        main([cmd, "--help"])
    assert e.value.code == 0
    assert "usage: pxocr " + cmd in capsys.readouterr().out


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"pxocr {__version__}"


def test_train_help_names_every_preset():
    pytest.importorskip("torch")  # the presets' module needs it; the parser must not
    from pxocr.train.config import PRESETS

    train = next(a for a in build_parser()._actions if a.dest == "command").choices["train"]
    help_text = next(a for a in train._actions if a.dest == "preset").help
    assert all(name in help_text.replace(",", " ").split() for name in PRESETS)


def test_all_commands_registered():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert sorted(sub.choices) == sorted(COMMANDS)


@pytest.mark.parametrize("argv,code,message", [
    (["synth", "--out", "x", "--count", "1", "--preset", "nope"], 2, "unknown preset 'nope'"),
    (["synth", "--out", "x", "--count", "0"], 2, "must be >= 1"),
    (["synth", "--out", "x", "--count", "1", "--size", "0x640"], 2, "must be positive"),
    (["show", "missing.png", "--out", "o.png"], 3, "missing.png"),
    (["eval", "--pred", "nodir", "--gt", "nodir2"], 3, "nodir"),
    (["eval"], 2, "either --pred"),
    (["train", "--out", "r", "--config", "nofile.json"], 2, "nofile.json"),
    (["export", "norun", "--out", "m.onnx"], 2, "norun"),
    (["read", "x.png", "--model", "nomodel.onnx"], 5, "nomodel.onnx"),
])
def test_errors_are_one_line(argv, code, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    parser_error = False
    try:
        rc = main(argv)
    except SystemExit as e:  # argparse errors: its usage lines, then one error line
        rc, parser_error = e.code, True
    lines = capsys.readouterr().err.strip().splitlines()
    assert rc == code
    assert "Traceback" not in "\n".join(lines)
    assert [message in line for line in lines].count(True) == 1 and message in lines[-1]
    assert lines[-1].startswith("pxocr") and (parser_error or len(lines) == 1)


@pytest.mark.parametrize("argv,message", [
    (["read", "missing.png", "--out", "taken"], "--out taken: cannot make a folder there (a file of that name"),
    (["read", "missing.png", "--overlay", "taken/x"], "--overlay taken/x: cannot make a folder there"),
    (["mrz", "missing.png", "--out", "taken"], "--out taken: cannot make a folder there"),
    (["batch", "missing.png", "--out", "taken"], "--out taken: cannot make a folder there"),
    (["synth", "--count", "1", "--out", "taken"], "--out taken: cannot make a folder there"),
    (["eval", "--pred", "missing", "--gt", "missing", "--out", "taken"], "--out taken: cannot make a folder there"),
    (["show", "missing.png", "--out", "taken/o.png"], "--out taken/o.png: cannot make its folder"),
    (["show", "missing.png", "--out", "folder"], "--out folder: a folder of that name is in the way of the file"),
    (["find", "missing.png", "abc", "--out", "taken/o.txt"], "--out taken/o.txt: cannot make its folder"),
])
def test_an_output_that_cannot_be_written_stops_the_call_before_any_reading(argv, message, capsys, tmp_path,
                                                                            monkeypatch):
    """An output place taken by a file (or a folder where a file goes) is a usage error, said in one line before any
    input is looked at: the inputs here do not exist, and the output's error is the one reported."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").write_text("a file")
    (tmp_path / "folder").mkdir()
    rc = main(argv)
    lines = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(lines) == 1 and message in lines[0], lines
    assert (tmp_path / "taken").read_text() == "a file"


def test_a_file_error_past_the_checks_is_one_line(monkeypatch, capsys):
    """An OSError no command turned into its own error (a disk full, a permission lost mid-way) is one line naming
    the file, exit 1, not a traceback."""
    import pxocr.cli as cli

    def fails(a):
        raise PermissionError(13, "Permission denied", "/srv/out/page.json")

    monkeypatch.setattr(cli, "cmd_show", fails)
    assert main(["show", "page.png", "--out", "o.png"]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "pxocr: error: /srv/out/page.json: Permission denied (PermissionError)"]


def test_an_image_piped_into_standard_input_is_read_as_dash(monkeypatch, capsys, tmp_path):
    """``pxocr read -`` reads the image piped in (named ``stdin`` in its outputs); ``-`` twice is a usage error, an
    empty pipe the input's error."""
    import io
    from pathlib import Path

    sample = (Path(__file__).resolve().parents[1] / "pxocr" / "samples" / "sample.png").read_bytes()

    def pipe(data: bytes) -> None:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))

    pipe(sample)
    assert main(["read", "-", "--format", "json", "--out", str(tmp_path)]) == 0
    assert '"text": "INVOICE No. 2024-0715"' in (tmp_path / "stdin.json").read_text()
    pipe(sample)
    assert main(["read", "-", "-"]) == 2 and "can be read once" in capsys.readouterr().err
    pipe(b"")
    assert main(["read", "-"]) == 3 and capsys.readouterr().err == "pxocr: error: stdin: file is empty\n"
    pipe(b"%PDF-1.4 not a PDF")
    assert main(["mrz", "-"]) == 3
    assert capsys.readouterr().err.startswith("pxocr: error: stdin: not a readable PDF")
    pipe(b"")
    assert main(["find", "-", "abc"]) == 3 and capsys.readouterr().err == "pxocr: error: stdin: file is empty\n"


def test_dash_on_a_terminal_is_a_usage_error(monkeypatch, capsys):
    """``pxocr read -`` with nothing piped in (standard input a terminal) says so rather than wait for bytes."""
    import io

    class Terminal(io.TextIOWrapper):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdin", Terminal(io.BytesIO(b"")))
    assert main(["read", "-"]) == 2
    assert "standard input is a terminal" in capsys.readouterr().err
