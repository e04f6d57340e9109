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
